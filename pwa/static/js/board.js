// The coordinator board: volunteers, planned trips and unassigned requests (live), a map,
// manual assignment, a phone-booking form and one-time login codes for residents.
import {
  ApiError, addressAutocomplete, announce, api, boot, bookingForm, callLink, connectSocket, errorText,
  fmtTime, fmtWhen, h,
  isoLocal,
  loadMe, onLanguageChange, placeOf, showHome, t, tOr, toast,
} from "./app.js";
import { addPoint, clearOverlays, createMap, showStreets, siteConfig } from "./map.js";

let person = null;
let board = { volunteers: [], trips: [], unassigned: [] };
let map = null;
let residents = [];
const quarterSelect = document.getElementById("quarter");

function quarterSlug(q) { return q && typeof q === "object" ? q.slug : q || ""; }

// ---------------------------------------------------------------- rendering
// What the coordinator chose and what the last attempt said, per request; both are kept
// across the live re-draws of the board.
const assignChoices = new Map();
const assignMessages = new Map();

function volunteerSelect(key, labelKey, exclude) {
  const selectId = `assign-${key}`;
  const chosen = assignChoices.get(key);
  const options = board.volunteers.filter((v) => v.id !== exclude).map((v) =>
    h("option", { value: v.id, selected: String(v.id) === chosen },
      `${v.first_name}${v.available ? "" : ` (${t("board.not_available")})`}`));
  const select = h("select", { id: selectId }, options);
  select.addEventListener("change", () => assignChoices.set(key, select.value));
  return [h("label", { for: selectId, text: t(labelKey) }), select];
}

async function assign(requestId, key, button) {
  const select = document.getElementById(`assign-${key}`);
  if (!select || !select.value) return;
  const say = (text) => {
    assignMessages.set(key, text);
    const out = document.getElementById(`assign-${key}-msg`);
    if (out) out.textContent = text;
  };
  button.disabled = true;
  try {
    await api("POST", `/requests/${requestId}/assign`, { volunteer_id: Number(select.value) });
    say(t("board.assigned"));
    toast(t("board.assigned"), "ok");
    await loadBoard();
  } catch (err) {
    say(err instanceof ApiError && err.status === 422 ? err.message : errorText(err));
  } finally {
    button.disabled = false;
  }
}

/** Volunteer choice and button; `where` keeps ids unique (a request can be in two lists). */
function assignBox(requestId, where, labelKey, buttonKey, exclude) {
  const key = `${where}-${requestId}`;
  const btn = h("button", { type: "button", class: "btn btn-primary", "data-assign": requestId },
    t(buttonKey));
  btn.addEventListener("click", () => assign(requestId, key, btn));
  return h("div", { class: "assign field" }, ...volunteerSelect(key, labelKey, exclude), btn,
    h("p", { class: "hint", id: `assign-${key}-msg`, role: "status" },
      assignMessages.get(key) || ""));
}

function requestCard(r) {
  const headingId = `ureq-${r.id}-h`;
  const who = r.resident ? r.resident.first_name : "";
  return h("li", { class: `card state-${r.state}`, "data-request-id": r.id },
    h("h3", { id: headingId, text: `${who}: ${t(`kind.${r.kind}`)}` }),
    h("dl", { class: "facts" },
      h("dt", { text: t("board.when") }),
      h("dd", { text: `${fmtWhen(r.time)} (${t(`time_mode.${r.time_mode}`)})` }),
      h("dt", { text: t("board.route") }),
      h("dd", { text: `${r.pickup?.address || "–"} → ${r.dropoff?.address || "–"}` }),
      h("dt", { text: t("board.state") }), h("dd", { text: t(`state.${r.state}`) }),
      ...needFacts(r)),
    r.reason ? h("p", { class: "reason" }, h("strong", { text: `${t("board.reason")}: ` }),
      r.reason.text || r.reason.code) : null,
    board.volunteers.length ? assignBox(r.id, "u", "board.volunteer", "board.assign") : null);
}

function needFacts(r) {
  const aids = (r.mobility_aids || []).map((a) => tOr(`need.${a}`, a));
  const out = [];
  if (aids.length) out.push(h("dt", { text: t("volunteer.needs") }), h("dd", { class: "needs", text: aids.join(", ") }));
  if (r.passengers > 1) {
    out.push(h("dt", { text: t("volunteer.passengers") }),
      h("dd", { text: t("volunteer.passengers_n", { n: r.passengers }) }));
  }
  if (r.notes) out.push(h("dt", { text: t("volunteer.note") }), h("dd", { class: "note", text: r.notes }));
  return out;
}

function tripVolunteer(trip) {
  if (trip.volunteer) return trip.volunteer;
  const v = board.volunteers.find((x) => x.id === trip.volunteer_id);
  return v || null;
}

function tripCard(trip) {
  const v = tripVolunteer(trip);
  const headingId = `trip-${trip.id}-h`;
  const stops = [...(trip.stops || [])].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const requestIds = [...new Set(stops.map((s) => s.request_id).filter((x) => x !== undefined))];
  return h("li", { class: "card trip", "data-trip-id": trip.id },
    h("h3", { id: headingId, text: t("board.trip_of", { name: v ? v.first_name : "?" }) }),
    h("ol", { class: "trip-stops" }, stops.map((s) => h("li", { "data-request-id": s.request_id },
      h("time", { datetime: s.planned_arrival || "" }, fmtTime(s.planned_arrival)), " ",
      `${t(`stop.${s.kind}`)}: ${s.resident_first_name || ""} – ${s.address || ""}`,
      s.status ? ` (${tOr(`stop_status.${s.status}`, s.status)})` : ""))),
    requestIds.map((rid) => assignBox(rid, `t${trip.id}`, "board.reassign_to", "board.reassign", v?.id)));
}

function volunteerItem(v) {
  const count = Array.isArray(v.trips) ? v.trips.length : Number(v.trips || 0);
  return h("li", { class: `card compact ${v.available ? "is-available" : "is-away"}`, "data-volunteer-id": v.id },
    h("span", { class: "name", text: v.first_name }), " ",
    h("span", { class: "badge", text: t(v.available ? "board.available" : "board.not_available") }), " ",
    h("span", { text: t("board.trip_count", { n: count }) }),
    v.phone ? h("p", {}, callLink(v.phone, v.first_name)) : null);
}

function render() {
  const u = board.unassigned || [];
  const trips = board.trips || [];
  const vols = board.volunteers || [];
  document.getElementById("unassigned-list").replaceChildren(...u.map(requestCard));
  document.getElementById("unassigned-empty").hidden = u.length > 0;
  document.getElementById("board-trips").replaceChildren(...trips.map(tripCard));
  document.getElementById("trips-empty").hidden = trips.length > 0;
  document.getElementById("volunteer-list").replaceChildren(...vols.map(volunteerItem));
  document.getElementById("volunteers-empty").hidden = vols.length > 0;
  document.getElementById("board-updated").textContent =
    t("board.updated", { time: fmtTime(isoLocal(new Date())) });
  drawMap();
}

function drawMap() {
  if (!map) return;
  clearOverlays(map);
  (board.volunteers || []).forEach((v) => addPoint(map, v.lat, v.lon, v.first_name,
    v.available ? "#1b5e20" : "#5c5c5c"));
  (board.unassigned || []).forEach((r) => addPoint(map, r.pickup?.lat, r.pickup?.lon,
    `${t("board.unassigned")}: ${r.resident?.first_name || ""}`, "#a4161a"));
  (board.trips || []).forEach((trip) => (trip.stops || []).forEach((s) => addPoint(map, s.lat, s.lon,
    `${fmtTime(s.planned_arrival)} ${t(`stop.${s.kind}`)}: ${s.resident_first_name || ""}`, "#00497a")));
}

let loading = null;
async function loadBoard() {
  const q = quarterSelect.value;
  loading = (async () => {
    try {
      board = await api("GET", `/board${q ? `?quarter=${encodeURIComponent(q)}` : ""}`);
    } catch (err) {
      board = { volunteers: [], trips: [], unassigned: [] };
      toast(err.message || errorText(err), "error");
    }
    render();
  })();
  return loading;
}

let pending = null;
function scheduleReload() {
  clearTimeout(pending);
  pending = setTimeout(async () => {
    await loadBoard();
    announce("board-live", t("board.changed"));
  }, 300);
}

// ---------------------------------------------------------------- phone booking
const form = document.getElementById("phone-form");
const residentSelect = document.getElementById("ph-resident");
const newResident = form.querySelector("[data-new-resident]");
const homeInput = document.getElementById("ph-home");

function selectedHome() {
  if (residentSelect.value === "new") return placeOf(homeInput);
  const r = residents.find((x) => String(x.id) === residentSelect.value);
  return r?.resident?.home || r?.home || null;
}
const booking = bookingForm(form, "ph-", selectedHome);
addressAutocomplete(homeInput, (place) => showHome(form, { address: place.label }));

async function loadResidents() {
  try {
    const q = quarterSelect.value;
    const data = await api("GET", `/residents${q ? `?quarter=${encodeURIComponent(q)}` : ""}`);
    residents = Array.isArray(data) ? data : data.residents || [];
  } catch {
    residents = [];
  }
  residentSelect.replaceChildren(
    h("option", { value: "new", "data-i18n": "board.new_resident" }, t("board.new_resident")),
    ...residents.map((r) => h("option", { value: r.id }, r.display_name || r.first_name)));
  newResident.hidden = residentSelect.value !== "new";
}
residentSelect.addEventListener("change", () => {
  newResident.hidden = residentSelect.value !== "new";
  showHome(form, selectedHome());
  const r = residents.find((x) => String(x.id) === residentSelect.value);
  booking.setAids(r?.resident?.mobility_aids || []);
});

async function createLoginCode(residentId, out) {
  try {
    const data = await api("POST", `/residents/${residentId}/login-code`, {});
    out.replaceChildren(h("p", {}, t("board.code_is"), " ", h("strong", { class: "login-code" }, data.code)),
      h("p", { class: "hint" }, data.url || ""));
  } catch (err) {
    out.textContent = errorText(err);
  }
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const result = document.getElementById("phone-result");
  const kind = form.querySelector('[name="ph-kind-main"]:checked').value;
  let residentId = residentSelect.value;
  const first = document.getElementById("ph-first");
  if (residentId === "new" && !first.value.trim()) {
    first.setAttribute("aria-invalid", "true");
    first.focus();
    result.textContent = t("board.need_name");
    result.hidden = false;
    return;
  }
  const body = booking.payload(kind);
  if (!body) return;
  try {
    if (residentId === "new") {
      const home = placeOf(homeInput);
      const created = await api("POST", "/residents", {
        first_name: first.value.trim(), last_name: document.getElementById("ph-last").value.trim(),
        phone: document.getElementById("ph-phone").value.trim() || undefined,
        home: home || body.pickup,
        mobility_aids: body.mobility_aids,
        gender: document.getElementById("ph-gender").value || undefined,
        languages: [...form.querySelectorAll('[name="ph-lang"]:checked')].map((el) => el.value),
        same_gender: document.getElementById("ph-same").value,
        help_at_door: document.getElementById("ph-door").checked,
      });
      residentId = (created.person || created).id;
    }
    body.resident_id = Number(residentId);
    const data = await api("POST", "/requests", body);
    const r = data.request || data;
    const codeOut = h("div", { class: "code-out", role: "status" });
    const codeBtn = h("button", { type: "button", class: "btn btn-secondary" }, t("board.make_code"));
    codeBtn.addEventListener("click", () => createLoginCode(residentId, codeOut));
    result.replaceChildren(h("p", { text: t("board.booked", { state: t(`state.${r.state}`) }) }),
      codeBtn, codeOut);
    result.hidden = false;
    booking.reset();
    toast(t("board.booked", { state: t(`state.${r.state}`) }), "ok");
    loadBoard();
  } catch (err) {
    booking.showServerErrors(err);
  }
});

// ---------------------------------------------------------------- start
onLanguageChange(render);

async function main() {
  await boot();
  person = await loadMe();
  const config = await siteConfig();
  // a coordinator sees the own quarter; an administrator chooses any
  const own = quarterSlug(person?.quarter);
  (config.quarters || []).filter((q) => person?.role === "admin" || !own || q.slug === own)
    .forEach((q) => quarterSelect.append(h("option", { value: q.slug }, q.name)));
  if (own) quarterSelect.value = own;
  quarterSelect.addEventListener("change", async () => {
    await loadBoard();
    loadResidents();
    showStreets(map, quarterSelect.value);
  });
  await Promise.all([loadBoard(), loadResidents()]);
  connectSocket({
    snapshot: (data) => {
      if (data && data.board && (!quarterSelect.value || data.board.quarter === quarterSelect.value)) {
        board = data.board;
        render();
      } else scheduleReload();
    },
    "board.changed": () => scheduleReload(),
    "request.updated": () => scheduleReload(),
    "trip.updated": () => scheduleReload(),
  });
  map = await createMap(document.getElementById("map"));
  await showStreets(map, quarterSelect.value);
  drawMap();
}

main();
