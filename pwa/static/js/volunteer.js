// The volunteer app: availability, offers arriving live with a countdown, today's stops, map.
import {
  ApiError, announce, api, boot, callLink, connectSocket, errorText, fmtCountdown, fmtTime, fmtWhen,
  greet, h, isoDay,
  loadMe, myOutbox, onLanguageChange, postOrQueue, serverMessage, t, tOr, toast,
} from "./app.js";
import { addPoint, clearOverlays, createMap, drawRoute, fitOverlays, showStreets } from "./map.js";
import { ownNotifyForm } from "./notify.js";

const DONE = new Set(["picked_up", "dropped_off", "no_show", "done", "completed", "skipped",
  "cancelled"]);
// The volunteer's own work: rides they have accepted (and what became of them). Stops of rides
// only offered to them are not work yet: those are in the offers list, with their own buttons.
const HELD = new Set(["accepted", "en_route", "picked_up", "dropped_off", "completed", "no_show"]);
let person = null;
let map = null;
const handBackAsked = new Set(); // request ids whose hand-back question is open
const offers = new Map(); // id -> {offer, deadline}
let trips = [];

// ---------------------------------------------------------------- availability
const availability = document.getElementById("available");

function showAvailability(on) {
  availability.checked = on;
  document.getElementById("avail-status").textContent =
    t(on ? "volunteer.status_available" : "volunteer.status_unavailable");
}

availability.addEventListener("change", async () => {
  const wanted = availability.checked;
  try {
    const data = await api("PUT", "/me/availability", { available: wanted });
    const p = data.person || data;
    showAvailability(p.volunteer ? p.volunteer.available : wanted);
  } catch (err) {
    showAvailability(!wanted);
    toast(errorText(err), "error");
  }
});

// ---------------------------------------------------------------- shifts (times on duty)
const shiftForm = document.getElementById("shift-form");
let shifts = [];

function renderShifts() {
  const upcoming = shifts.filter((x) => new Date(x.ends_at) > new Date())
    .sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at)));
  document.getElementById("shift-list").replaceChildren(...upcoming.map((x) => {
    const textId = `shift-${x.id}-t`;
    return h("li", { "data-shift-id": x.id },
      h("span", { id: textId, text: t("volunteer.shift_item", { when: fmtWhen(x.starts_at), to: fmtTime(x.ends_at) }) }),
      " ",
      h("button", { type: "button", class: "btn btn-quiet", "data-shift-delete": x.id,
        "aria-describedby": textId, onclick: () => deleteShift(x.id) }, t("volunteer.shift_delete")));
  }));
  document.getElementById("shifts-empty").hidden = upcoming.length > 0;
}

async function deleteShift(id) {
  const error = document.getElementById("shift-error");
  try {
    await api("DELETE", `/me/shifts/${id}`);
    shifts = shifts.filter((x) => x.id !== id);
    error.hidden = true;
    renderShifts();
    toast(t("volunteer.shift_deleted"), "ok");
    announce("stops-live", t("volunteer.shift_deleted"));
    document.getElementById("shift-date")?.focus();
  } catch (err) {
    error.textContent = serverMessage(err);
    error.hidden = false;
  }
}

async function loadShifts() {
  try {
    const data = await api("GET", "/me/shifts");
    shifts = Array.isArray(data) ? data : data.shifts || [];
  } catch { /* shown as empty */ }
  renderShifts();
}

shiftForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const day = document.getElementById("shift-date").value;
  const from = document.getElementById("shift-from").value;
  const to = document.getElementById("shift-to").value;
  const error = document.getElementById("shift-error");
  if (!day || !from || !to || to <= from) {
    error.textContent = t("volunteer.shift_invalid");
    error.hidden = false;
    return;
  }
  error.hidden = true;
  try {
    const data = await api("POST", "/me/shifts", { starts_at: `${day}T${from}:00`, ends_at: `${day}T${to}:00` });
    shifts.push(data.shift || data);
    renderShifts();
    toast(t("volunteer.shift_added"), "ok");
    announce("stops-live", t("volunteer.shift_added"));
  } catch (err) {
    error.textContent = serverMessage(err);
    error.hidden = false;
  }
});

// ---------------------------------------------------------------- offers
/** The aids of this ride (as booked), and help at the door from the person's profile. */
function needsText(aids, needs) {
  const parts = [];
  (aids || []).forEach((n) => parts.push(typeof n === "string" ? tOr(`need.${n}`, n) : n.text || n.code || ""));
  if (needs?.help_at_door) parts.push(t("need.help_at_door"));
  return [...new Set(parts.filter(Boolean))].join(", ");
}

/** The person's languages by their own names ("Polski, Deutsch"), as in the language menu. */
function languagesText(needs) {
  return (needs?.languages || []).map((code) => tOr(`lang.${code}`, code)).join(", ");
}

/** What the volunteer must know before accepting: aids, how many people, the languages the
 * person speaks, a same-gender wish, the office's note on the person and the ride's note. */
function needFacts({ aids, needs, passengers, notes }) {
  const out = [h("dt", { text: t("volunteer.needs") }),
    h("dd", { class: "needs", text: needsText(aids, needs) || t("volunteer.no_needs") })];
  if (passengers > 1) {
    out.push(h("dt", { text: t("volunteer.passengers") }),
      h("dd", { class: "passengers", text: t("volunteer.passengers_n", { n: passengers }) }));
  }
  const languages = languagesText(needs);
  if (languages) {
    out.push(h("dt", { text: t("volunteer.languages") }),
      h("dd", { class: "languages", text: languages }));
  }
  if (["soft", "hard"].includes(needs?.same_gender)) {
    out.push(h("dt", { text: t("volunteer.same_gender") }),
      h("dd", { class: "same-gender", "data-same-gender": needs.same_gender,
        text: t(needs.same_gender === "hard" ? "volunteer.same_gender_hard"
          : "volunteer.same_gender_soft") }));
  }
  if (needs?.notes) {
    out.push(h("dt", { text: t("volunteer.profile_note") }),
      h("dd", { class: "profile-note", text: needs.notes }));
  }
  if (notes) out.push(h("dt", { text: t("volunteer.note") }), h("dd", { class: "note", text: notes }));
  return out;
}

function offerCard(id) {
  const { offer } = offers.get(id);
  const r = offer.request || {};
  const headingId = `offer-${id}-h`;
  const facts = h("dl", { class: "facts" },
    h("dt", { text: t("volunteer.when") }),
    h("dd", { text: `${fmtWhen(r.time)} (${t(`time_mode.${r.time_mode}`)})` }),
    h("dt", { text: t("volunteer.pickup") }), h("dd", { text: r.pickup?.address || "–" }),
    h("dt", { text: t("volunteer.dropoff") }), h("dd", { text: r.dropoff?.address || "–" }));
  if (r.planned_pickup) {
    facts.append(h("dt", { text: t("volunteer.planned_pickup") }),
      h("dd", { text: fmtTime(r.planned_pickup) }));
  }
  if (r.resident) {
    facts.append(h("dt", { text: t("volunteer.resident") }), h("dd", { text: r.resident.first_name }));
  }
  facts.append(...needFacts({ aids: r.mobility_aids ?? r.resident?.needs?.mobility_aids,
    needs: r.resident?.needs, passengers: r.passengers, notes: r.notes }));
  return h("li", { class: "card offer", "data-offer-id": id, "data-request-id": r.id, "aria-labelledby": headingId },
    h("h3", { id: headingId, text: `${t(`kind.${r.kind || "ride"}`)}: ${r.dropoff?.address || ""}` }),
    facts,
    h("p", { class: "hint", text: t("volunteer.phone_later") }),
    h("p", { class: "countdown" },
      h("span", { text: t("volunteer.answer_within") }), " ",
      h("strong", { class: "countdown-time", "data-countdown": id }, "")),
    h("div", { class: "card-actions" },
      h("button", { type: "button", class: "btn btn-lg btn-success", "data-accept": id,
        "aria-describedby": headingId, onclick: () => answer(id, "accept") }, t("volunteer.accept")),
      h("button", { type: "button", class: "btn btn-lg btn-secondary", "data-decline": id,
        "aria-describedby": headingId, onclick: () => answer(id, "decline") }, t("volunteer.decline"))));
}

function renderOffers() {
  const ids = [...offers.keys()];
  document.getElementById("offer-list").replaceChildren(...ids.map(offerCard));
  document.getElementById("offers-empty").hidden = ids.length > 0;
  tick();
}

function tick() {
  const now = Date.now();
  for (const [id, entry] of offers) {
    const left = (entry.deadline - now) / 1000;
    const el = document.querySelector(`[data-countdown="${id}"]`);
    if (el) el.textContent = t("volunteer.minutes_left", { time: fmtCountdown(left) });
    if (left <= 0 && !entry.expired) {
      entry.expired = true;
      setTimeout(() => { offers.delete(id); renderOffers(); }, 3000);
      const card = document.querySelector(`[data-offer-id="${id}"]`);
      card?.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      if (el) el.textContent = t("volunteer.expired");
    }
  }
}
setInterval(tick, 1000);

function addOffer(offer, { say = false } = {}) {
  if (!offer || offer.id === undefined) return;
  const seconds = offer.seconds_left ?? Math.max(0, (new Date(offer.expires_at) - Date.now()) / 1000);
  offers.set(offer.id, { offer, deadline: Date.now() + seconds * 1000 });
  renderOffers();
  if (say) {
    const r = offer.request || {};
    announce("offers-live", t("volunteer.new_offer", { when: fmtWhen(r.time), to: r.dropoff?.address || "" }));
    toast(t("volunteer.new_offer", { when: fmtWhen(r.time), to: r.dropoff?.address || "" }), "info");
  }
}

async function loadOffers() {
  try {
    const data = await api("GET", "/offers");
    offers.clear();
    (Array.isArray(data) ? data : data.offers || []).forEach((o) => addOffer(o));
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) console.warn(err);
  }
  renderOffers();
}

async function answer(id, action) {
  try {
    await api("POST", `/offers/${id}/${action}`, {});
    offers.delete(id);
    renderOffers();
    const msg = t(action === "accept" ? "volunteer.accepted" : "volunteer.declined");
    toast(msg, "ok");
    announce("offers-live", msg);
    if (action === "accept") loadTrips();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      offers.delete(id);
      renderOffers();
      toast(t("volunteer.taken"), "error");
    } else toast(errorText(err), "error");
  }
}

// ---------------------------------------------------------------- today's stops and the map
function stopActions(stop) {
  if (myOutbox("stop").some((x) => x.ref === stop.id)) return []; // a report waits to be sent
  if (DONE.has(stop.status) || !["accepted", "en_route", "picked_up"].includes(stop.request_state)) return [];
  const actions = stop.kind === "pickup" ? ["arrived", "picked_up", "no_show"] : ["arrived", "dropped_off"];
  // "on my way" tells the resident (by SMS or e-mail if she wants): once, before arriving
  if (stop.kind === "pickup" && stop.request_state === "accepted" && stop.status === "planned") {
    actions.unshift("on_the_way");
  }
  return actions.filter((a) => !(a === "arrived" && stop.status === "arrived"));
}

/** A link that opens the phone's navigation app at the stop (geo: URI, with the address). */
function navLink(stop, describedBy) {
  if (stop.lat == null || stop.lon == null) return null;
  const label = encodeURIComponent(stop.address || "");
  return h("a", { class: "btn btn-secondary nav-link", "data-nav": stop.id,
    href: `geo:${stop.lat},${stop.lon}?q=${stop.lat},${stop.lon}(${label})`,
    "aria-describedby": describedBy }, t("volunteer.navigate"));
}

/** "Fahrt zurückgeben" (asks first) while the ride is accepted and not yet started. */
function handBack(stop, describedBy) {
  if (stop.kind !== "pickup" || stop.request_state !== "accepted" || DONE.has(stop.status) ||
      stop.status === "arrived") return null;
  const rid = stop.request_id;
  if (!handBackAsked.has(rid)) {
    return h("button", { type: "button", class: "btn btn-quiet", "data-hand-back": rid,
      "aria-describedby": describedBy, onclick: () => {
        handBackAsked.add(rid);
        renderStops();
        document.querySelector(`[data-hand-back-no="${rid}"]`)?.focus();
      } }, t("volunteer.hand_back"));
  }
  return h("div", { class: "confirm", role: "group", "aria-labelledby": `hb-${rid}-q` },
    h("p", { id: `hb-${rid}-q`, text: t("volunteer.hand_back_question") }),
    h("button", { type: "button", class: "btn btn-danger", "data-hand-back-yes": rid,
      onclick: () => giveBack(rid) }, t("volunteer.hand_back_yes")),
    h("button", { type: "button", class: "btn btn-secondary", "data-hand-back-no": rid,
      onclick: () => {
        handBackAsked.delete(rid);
        renderStops();
        document.querySelector(`[data-hand-back="${rid}"]`)?.focus();
      } }, t("volunteer.hand_back_no")));
}

async function giveBack(requestId) {
  try {
    await api("POST", `/requests/${requestId}/hand-back`, {});
    handBackAsked.delete(requestId);
    toast(t("volunteer.handed_back"), "ok");
    announce("stops-live", t("volunteer.handed_back"));
    await loadTrips();
  } catch (err) {
    toast(serverMessage(err), "error");
  }
}

function stopItem(stop) {
  const headingId = `stop-${stop.id}-h`;
  const who = stop.resident_first_name || "";
  const facts = h("dl", { class: "facts" }, ...needFacts({
    aids: stop.mobility_aids ?? stop.needs?.mobility_aids, needs: stop.needs,
    passengers: stop.passengers, notes: stop.notes }));
  return h("li", { class: `card stop stop-${stop.kind}`, "data-stop-id": stop.id,
    "data-request-id": stop.request_id },
    h("p", { class: "stop-time" }, h("time", { datetime: stop.planned_arrival || "" },
      String(stop.planned_arrival || "").slice(0, 10) === isoDay(new Date())
        ? fmtTime(stop.planned_arrival) : fmtWhen(stop.planned_arrival))),
    h("h3", { id: headingId, text: `${t(`stop.${stop.kind}`)}: ${stop.address || ""}` }),
    who ? h("p", { class: "who", text: who }) : null,
    stop.kind === "pickup" ? facts : null,
    stop.resident_phone && !DONE.has(stop.status) ? callLink(stop.resident_phone, who) : null,
    !DONE.has(stop.status) ? navLink(stop, headingId) : null,
    h("p", { class: "state", "data-state": stop.status || "", text: tOr(`stop_status.${stop.status || "planned"}`, stop.status) }),
    myOutbox("stop").some((x) => x.ref === stop.id)
      ? h("p", { class: "queued", "data-queued-stop": stop.id, text: t("volunteer.stop_queued") }) : null,
    h("div", { class: "card-actions" }, stopActions(stop).map((action) => h("button", {
      type: "button", class: `btn ${action === "no_show" ? "btn-danger" : "btn-primary"}`,
      "data-action": action, "aria-describedby": headingId,
      onclick: () => stopAction(stop, action),
    }, t(`stop_action.${action}`))), handBack(stop, headingId)));
}

function allStops() {
  const stops = [];
  trips.forEach((trip) => (trip.stops || []).filter((s) => HELD.has(s.request_state))
    .forEach((s) => stops.push({ ...s, trip_id: trip.id })));
  return stops.sort((a, b) => String(a.planned_arrival).localeCompare(String(b.planned_arrival)) ||
    (a.seq ?? 0) - (b.seq ?? 0));
}

function renderStops() {
  const stops = allStops();
  document.getElementById("stop-list").replaceChildren(...stops.map(stopItem));
  document.getElementById("stops-empty").hidden = stops.length > 0;
}

async function drawTrips() {
  if (!map) return;
  clearOverlays(map);
  for (const trip of trips) {
    try { drawRoute(map, await api("GET", `/trips/${trip.id}/route`)); } catch { /* no route */ }
  }
  allStops().forEach((s, i) => addPoint(map, s.lat, s.lon,
    `${i + 1}. ${fmtTime(s.planned_arrival)} ${t(`stop.${s.kind}`)}: ${s.address || ""}`,
    s.kind === "pickup" ? "#00497a" : "#a4161a"));
  fitOverlays(map);
}

async function loadTrips() {
  try {
    const data = await api("GET", "/trips/today");
    trips = Array.isArray(data) ? data : data.trips || [];
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) console.warn(err);
  }
  renderStops();
  drawTrips();
}

async function stopAction(stop, action) {
  try {
    const data = await postOrQueue(`/stops/${stop.id}/${action}`, {}, { kind: "stop", ref: stop.id });
    if (data.queued) {
      toast(t("volunteer.stop_queued"), "info");
      announce("stops-live", t("volunteer.stop_queued"));
      renderStops();
      return;
    }
    const msg = t(`stop_done.${action}`);
    toast(msg, "ok");
    announce("stops-live", msg);
    await loadTrips();
  } catch (err) {
    toast(serverMessage(err), "error");
    await loadTrips();
  }
}

// ---------------------------------------------------------------- notifications
const notify = ownNotifyForm(document.getElementById("notify-form"), "nt-");

onLanguageChange(() => {
  notify.rerender();
  greet(person, "volunteer.hello");
  if (person?.volunteer) showAvailability(availability.checked);
  renderOffers();
  renderStops();
  renderShifts();
});

async function main() {
  await boot();
  person = await loadMe();
  if (person) {
    greet(person, "volunteer.hello");
    if (person.volunteer) showAvailability(Boolean(person.volunteer.available));
  }
  const dateInput = document.getElementById("shift-date");
  dateInput.min = isoDay(new Date());
  dateInput.value = isoDay(new Date());
  await Promise.all([loadOffers(), loadTrips(), loadShifts(), notify.load(person?.id)]);
  connectSocket({
    snapshot: (data) => {
      if (data && Array.isArray(data.offers)) {
        offers.clear();
        data.offers.forEach((o) => addOffer(o));
      } else loadOffers();
      if (data && Array.isArray(data.trips)) { trips = data.trips; renderStops(); drawTrips(); } else loadTrips();
    },
    "offer.created": (data) => addOffer(data.offer || data, { say: true }),
    "offer.withdrawn": (data) => {
      const id = data.id ?? data.offer?.id;
      if (offers.delete(id)) { renderOffers(); announce("offers-live", t("volunteer.withdrawn")); }
    },
    "trip.updated": () => loadTrips(),
    "request.updated": () => loadTrips(),
  });
  document.addEventListener("outbox:sent", () => loadTrips());
  document.addEventListener("outbox:refused", () => loadTrips());
  map = await createMap(document.getElementById("map"));
  await showStreets(map, person?.quarter || "");
  drawTrips();
}

main();
