// Leaflet maps drawn from the project's own street network GeoJSON (no tile server needed);
// a tile layer is added only when one is configured (GET /config tile_url, or data-tile-url).
import { api, t } from "./app.js";

const DORTMUND_NORTH = [51.548, 7.455];
let configPromise = null;

export function siteConfig() {
  if (!configPromise) configPromise = api("GET", "/config").catch(() => ({}));
  return configPromise;
}

/** A map in `el` with translated zoom buttons; resolves when Leaflet is loaded. */
export async function createMap(el) {
  if (!window.L) {
    await new Promise((resolve) => window.addEventListener("load", resolve, { once: true }));
  }
  if (!window.L) return null;
  const L = window.L;
  const map = L.map(el, { zoomControl: false, attributionControl: true })
    .setView(DORTMUND_NORTH, 14);
  L.control.zoom({ zoomInTitle: t("map.zoom_in"), zoomOutTitle: t("map.zoom_out") }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(t("map.attribution"));
  const config = await siteConfig();
  const tileUrl = (config && config.tile_url) || document.body.dataset.tileUrl;
  if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
  map.streetLabels = [];
  map.on("moveend resize", () => placeStreetLabels(map));
  map.dispatchLayers = {
    streets: L.layerGroup().addTo(map),
    routes: L.layerGroup().addTo(map),
    points: L.layerGroup().addTo(map),
  };
  return map;
}

/** Draw the street network of `quarter` (all configured quarters when empty). */
export async function showStreets(map, quarter) {
  if (!map) return;
  if (quarter && typeof quarter === "object") quarter = quarter.slug;
  const L = window.L;
  const group = map.dispatchLayers.streets;
  group.clearLayers();
  map.streetLabels = [];
  let slugs = [quarter];
  if (!quarter) {
    const config = await siteConfig();
    slugs = (config.quarters || []).map((q) => q.slug);
  }
  const bounds = [];
  for (const slug of slugs.filter(Boolean)) {
    try {
      const geo = await api("GET", `/map/streets?quarter=${encodeURIComponent(slug)}`);
      const layer = L.geoJSON(geo, {
        style: { color: "#5c5c5c", weight: 2, opacity: 0.8 }, interactive: false,
      }).addTo(group);
      for (const label of streetLabels(geo)) {
        label.tooltip.addTo(group);
        map.streetLabels.push(label);
      }
      if (layer.getBounds().isValid()) bounds.push(layer.getBounds());
    } catch { /* no street network yet: the map stays empty */ }
  }
  map.streetLabels.sort((a, b) => b.length - a.length);
  if (bounds.length) {
    // no animation: Leaflet drops a view change asked for while it animates, and the page
    // fits its trips (fitOverlays) right after this
    map.fitBounds(bounds.reduce((a, b) => a.extend(b)), { padding: [10, 10], animate: false });
  }
  placeStreetLabels(map);
}

/** Street names are shown from this zoom on (a whole quarter on a phone is zoom 13 to 14). */
const LABEL_MIN_ZOOM = 12;

/** Rough length in metres of a line of [lon, lat] pairs (enough to rank streets). */
function lineLength(coords) {
  let m = 0;
  for (let i = 1; i < coords.length; i += 1) {
    const [lon1, lat1] = coords[i - 1];
    const [lon2, lat2] = coords[i];
    const dx = (lon2 - lon1) * 111320 * Math.cos(((lat1 + lat2) / 2) * Math.PI / 180);
    m += Math.hypot(dx, (lat2 - lat1) * 110540);
  }
  return m;
}

/** One name label per street, at the middle of its longest piece (text nodes, no HTML), with
 * the whole street's bounds and length: `placeStreetLabels` shows the ones there is room for. */
function streetLabels(geo) {
  const L = window.L;
  const longest = new Map();
  for (const f of geo.features || []) {
    const name = f.properties && f.properties.name;
    const coords = f.geometry && f.geometry.coordinates;
    if (!name || !coords || coords.length < 2 || f.geometry.type !== "LineString") continue;
    const length = lineLength(coords);
    const street = longest.get(name) || { coords, length: 0, total: 0, bounds: L.latLngBounds([]) };
    if (street.length < length) Object.assign(street, { coords, length });
    street.total += length;
    coords.forEach(([x, y]) => street.bounds.extend([y, x]));
    longest.set(name, street);
  }
  return [...longest].map(([name, { coords, total, bounds }]) => {
    const [lon, lat] = coords[Math.floor(coords.length / 2)];
    const text = document.createElement("span");
    text.textContent = name;
    const tooltip = L.tooltip({ permanent: true, direction: "center", className: "street-label",
      interactive: false, opacity: 1 }).setLatLng([lat, lon]).setContent(text);
    return { tooltip, length: total, bounds };
  });
}

/**
 * Show the street names that fit, without clutter: longest streets first, each only where the
 * street on the screen is about as long as its name, inside the map, clear of the map's buttons,
 * of the stops and of every name already shown. The others stay hidden (`visibility`, so Leaflet keeps
 * centring them). One read of all sizes, then one write: no layout thrashing.
 */
function placeStreetLabels(map) {
  const labels = (map.streetLabels || []).filter((l) => l.tooltip.getElement());
  const on = map.getZoom() >= LABEL_MIN_ZOOM;
  const container = map.getContainer();
  container.dataset.zoom = String(map.getZoom());
  const box = container.getBoundingClientRect();
  // the map's buttons and the stops (circle markers) stay uncovered
  const taken = on ? [...container.querySelectorAll(".leaflet-control, .leaflet-interactive")]
    .map((el) => el.getBoundingClientRect()) : [];
  const rects = on ? labels.map((l) => l.tooltip.getElement().getBoundingClientRect()) : [];
  const pad = 6;
  const shown = labels.map((l, i) => {
    if (!on) return false;
    const r = rects[i];
    if (!r.width || r.left < box.left || r.right > box.right || r.top < box.top ||
        r.bottom > box.bottom) return false;
    const a = map.latLngToContainerPoint(l.bounds.getSouthWest());
    const b = map.latLngToContainerPoint(l.bounds.getNorthEast());
    if (Math.hypot(a.x - b.x, a.y - b.y) < 0.6 * r.width) return false;
    if (taken.some((p) => r.left - pad < p.right && r.right + pad > p.left &&
        r.top - pad < p.bottom && r.bottom + pad > p.top)) return false;
    taken.push(r);
    return true;
  });
  labels.forEach((l, i) => l.tooltip.getElement().classList.toggle("placed", shown[i]));
}

/** Draw a route (GeoJSON LineString or Feature) in the route layer. */
export function drawRoute(map, geojson, color = "#00497a") {
  if (!map || !geojson) return;
  window.L.geoJSON(geojson, { style: { color, weight: 6, opacity: 0.9 }, interactive: false })
    .addTo(map.dispatchLayers.routes);
}

/** A labelled circle (no image icons, so nothing to load and nothing without alt text).
 * The label is data (names, addresses): it goes into the tooltip as a text node, never as HTML. */
export function addPoint(map, lat, lon, label, color = "#a4161a") {
  if (!map || lat == null || lon == null) return null;
  const text = document.createElement("span");
  text.textContent = String(label ?? "");
  return window.L.circleMarker([lat, lon], {
    radius: 9, color: "#ffffff", weight: 3, fillColor: color, fillOpacity: 1,
  }).bindTooltip(text).addTo(map.dispatchLayers.points);
}

export function clearOverlays(map) {
  if (!map) return;
  map.dispatchLayers.routes.clearLayers();
  map.dispatchLayers.points.clearLayers();
}

/** Fit the view to the points and routes, if there are any. */
export function fitOverlays(map) {
  if (!map) return;
  const L = window.L;
  const all = L.featureGroup([...map.dispatchLayers.routes.getLayers(),
    ...map.dispatchLayers.points.getLayers()]);
  const b = all.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [20, 20], maxZoom: 16 });
  placeStreetLabels(map); // the stops are new: names step aside (again at the end of a move)
}
