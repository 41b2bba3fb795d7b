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
      if (layer.getBounds().isValid()) bounds.push(layer.getBounds());
    } catch { /* no street network yet: the map stays empty */ }
  }
  if (bounds.length) {
    map.fitBounds(bounds.reduce((a, b) => a.extend(b)), { padding: [10, 10] });
  }
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
}
