// The coordinator board: volunteers, planned trips and unassigned requests (live), a map,
// manual assignment, a phone-booking form and one-time login codes for residents.
import {
  ApiError, addressAutocomplete, announce, api, boot, bookingForm, callLink, connectSocket, errorText,
  fieldError, fmtDay, fmtTime, fmtWhen, h,
  isoDay, isoLocal,
  loadMe, markFields, onLanguageChange, placeOf, reasonText, serverMessage, showHome, t, tOr, toast,
} from "./app.js";
import { addPoint, clearOverlays, createMap, showStreets, siteConfig } from "./map.js";
import { Incomplete, notifySettings } from "./notify.js";

let person = null;

/** `{name: element}` of `{name: element id}`. */
const byIds = (ids) => Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, document.getElementById(id)]));
let board = { volunteers: [], trips: [], unassigned: [] };
let map = null;
let residents = [];
const quarterSelect = document.getElementById("quarter");

function quarterSlug(q) { return q && typeof q === "object" ? q.slug : q || ""; }

// What the desk may still do with a request in each state (as the API allows it).
const REASSIGNABLE = new Set(["requested", "planned", "offered", "accepted", "unservable"]);
const EDITABLE = REASSIGNABLE;
const CANCELLABLE = new Set([...REASSIGNABLE, "en_route"]);

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

// Refusals about time the office may override, per assign box: the reason typed so far.
const forceable = new Map();

async function assign(requestId, key, button, forceReason = null) {
  const select = document.getElementById(`assign-${key}`);
  if (!select || !select.value) return;
  const say = (text) => {
    assignMessages.set(key, text);
    const out = document.getElementById(`assign-${key}-msg`);
    if (out) out.textContent = text;
  };
  button.disabled = true;
  try {
    const body = { volunteer_id: Number(select.value) };
    if (forceReason !== null) body.force_reason = forceReason;
    await api("POST", `/requests/${requestId}/assign`, body);
    forceable.delete(key);
    say(t(forceReason !== null ? "board.forced" : "board.assigned"));
    toast(t(forceReason !== null ? "board.forced" : "board.assigned"), "ok");
    await loadBoard();
  } catch (err) {
    const refused = err instanceof ApiError && err.status === 422;
    say(refused ? markFields(err) : errorText(err));
    if (refused && err.details?.forceable) {
      if (!forceable.has(key)) forceable.set(key, "");
    } else if (forceReason === null) forceable.delete(key);
    showForce(requestId, key);
  } finally {
    button.disabled = false;
  }
}

/** After a refusal about time: a reason and "Trotzdem zuweisen" (the rules of time give way). */
function forceBox(requestId, key) {
  const box = h("div", { class: "force", id: `force-${key}` });
  if (!forceable.has(key)) { box.hidden = true; return box; }
  const id = `force-${key}-reason`;
  const reason = h("textarea", { id, name: id, rows: 2, maxlength: 300, "aria-describedby": `${id}-hint` });
  reason.value = forceable.get(key);
  reason.addEventListener("input", () => forceable.set(key, reason.value));
  const btn = h("button", { type: "button", class: "btn btn-secondary", "data-force": requestId },
    t("board.force"));
  btn.addEventListener("click", () => {
    if (reason.value.trim().length < 3) { reason.focus(); return; }
    assign(requestId, key, btn, reason.value.trim());
  });
  box.append(h("label", { for: id, text: t("board.force_reason") }), reason,
    h("p", { class: "hint", id: `${id}-hint`, text: t("board.force_hint") }), btn);
  return box;
}

function showForce(requestId, key) {
  document.getElementById(`force-${key}`)?.replaceWith(forceBox(requestId, key));
}

/** Volunteer choice and button; `where` keeps ids unique (a request can be in two lists). */
function assignBox(requestId, where, labelKey, buttonKey, exclude) {
  const key = `${where}-${requestId}`;
  const btn = h("button", { type: "button", class: "btn btn-primary", "data-assign": requestId },
    t(buttonKey));
  btn.addEventListener("click", () => assign(requestId, key, btn));
  return h("div", { class: "assign field" }, ...volunteerSelect(key, labelKey, exclude), btn,
    h("p", { class: "hint", id: `assign-${key}-msg`, role: "status", dir: "auto" },
      assignMessages.get(key) || ""), forceBox(requestId, key));
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
      h("span", { dir: "auto", text: reasonText(r.reason) })) : null,
    board.volunteers.length ? assignBox(r.id, "u", "board.volunteer", "board.assign") : null,
    requestButtons(r.id, r.state, headingId));
}

/** "Bearbeiten" and "Absagen" for a request (both open the request panel). */
function requestButtons(requestId, state, describedBy) {
  const out = [];
  if (EDITABLE.has(state)) {
    out.push(h("button", { type: "button", class: "btn btn-secondary", "data-edit": requestId,
      "aria-describedby": describedBy, onclick: () => openRequest(requestId, "edit") },
    t("board.edit")));
  }
  if (CANCELLABLE.has(state)) {
    out.push(h("button", { type: "button", class: "btn btn-quiet", "data-cancel": requestId,
      "aria-describedby": describedBy, onclick: () => openRequest(requestId, "cancel") },
    t("board.cancel")));
  }
  return out.length ? h("div", { class: "card-actions" }, out) : null;
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

/** What the board says about a stop: done or arrived, else where its request stands. */
function stopState(s) {
  if (s.status && s.status !== "planned") return tOr(`stop_status.${s.status}`, s.status);
  return tOr(`board_state.${s.request_state}`, tOr(`state.${s.request_state}`, s.request_state));
}

/** One request of a trip: who and when, then re-assign, edit and cancel, each labelled. */
function tripRequest(trip, stops, v) {
  const first = stops[0];
  const rid = first.request_id;
  const state = first.request_state;
  const legendId = `trip-${trip.id}-r${rid}-h`;
  const pickup = stops.find((s) => s.kind === "pickup") || first;
  const tools = [];
  if (REASSIGNABLE.has(state) && board.volunteers.length) {
    // only offered (or planned): anyone may be given it, its volunteer too (agreed on the
    // phone); accepted: it goes to someone else
    const held = state === "accepted";
    tools.push(assignBox(rid, `t${trip.id}`, held ? "board.reassign_to" : "board.volunteer",
      held ? "board.reassign" : "board.assign", held ? v?.id : undefined));
  }
  const buttons = requestButtons(rid, state, legendId);
  if (buttons) tools.push(buttons);
  if (!tools.length) return null;
  const facts = needFacts(pickup);
  return h("fieldset", { class: "trip-request", "data-request-id": rid },
    h("legend", { id: legendId, text: t("board.request_of", {
      name: first.resident_first_name || "", time: fmtTime(pickup.planned_arrival) }) }),
    facts.length ? h("dl", { class: "facts" }, facts) : null,
    tools);
}

function tripCard(trip) {
  const v = tripVolunteer(trip);
  const headingId = `trip-${trip.id}-h`;
  const stops = [...(trip.stops || [])].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const byRequest = new Map();
  stops.forEach((s) => {
    if (s.request_id === undefined) return;
    if (!byRequest.has(s.request_id)) byRequest.set(s.request_id, []);
    byRequest.get(s.request_id).push(s);
  });
  const day = trip.day || String(stops[0]?.planned_arrival || "").slice(0, 10);
  return h("li", { class: "card trip", "data-trip-id": trip.id, "data-day": day },
    h("h3", { id: headingId },
      h("span", { text: t("board.trip_of", { name: v ? v.first_name : "?" }) }), " ",
      h("time", { class: "trip-day", datetime: day, text: fmtDay(day) })),
    h("ol", { class: "trip-stops" }, stops.map((s) => h("li", { "data-request-id": s.request_id,
      "data-stop-id": s.id },
      h("time", { datetime: s.planned_arrival || "" }, fmtTime(s.planned_arrival)), " ",
      `${t(`stop.${s.kind}`)}: ${s.resident_first_name || ""} – ${s.address || ""} `,
      h("span", { class: "stop-state", "data-state": s.status === "planned" ? s.request_state : s.status,
        text: `(${stopState(s)})` })))),
    h("p", {}, h("a", { class: "btn btn-secondary", href: `/print/trips/${trip.id}`, target: "_blank",
      rel: "noopener", "data-print": trip.id, "aria-describedby": headingId }, t("board.print"))),
    [...byRequest.values()].map((group) => tripRequest(trip, group, v)));
}

// The volunteers whose week is open on this board (kept open when the board is drawn again).
const openWeeks = new Set();

/** A volunteer's next seven days: the shifts and the count of trips of each day. */
/** A day's shifts as "07:00–19:00, ..." (each range left to right, also in Arabic). */
function shiftRanges(shifts) {
  if (!shifts.length) return [t("board.week_no_shift")];
  return shifts.flatMap(([a, b], i) => [i ? ", " : null,
    h("bdi", { dir: "ltr", text: `${fmtTime(a)}–${fmtTime(b)}` })].filter(Boolean));
}

function weekOf(v) {
  const days = v.week || [];
  const list = days.length
    ? h("ul", { class: "week-days" }, ...days.map((d) => h("li", { "data-day": d.day },
      h("strong", { text: fmtDay(d.day) }), " ",
      h("span", { class: "shifts" }, ...shiftRanges(d.shifts)), " ",
      h("span", { class: "trips", text: t("board.trip_count", { n: d.trips }) }))))
    : h("p", { class: "empty", text: t("board.week_empty") });
  const box = h("details", { class: "week", "data-week-of": v.id },
    h("summary", { text: t("board.week_of", { name: v.first_name }) }), list);
  box.open = openWeeks.has(v.id);
  box.addEventListener("toggle", () => {
    if (box.open) openWeeks.add(v.id); else openWeeks.delete(v.id);
    // the board may have been drawn again between the tap and this event: follow the tap
    const live = document.querySelector(`details.week[data-week-of="${v.id}"]`);
    if (live && live !== box) live.open = box.open;
  });
  return box;
}

function volunteerItem(v) {
  const count = Array.isArray(v.trips) ? v.trips.length : Number(v.trips || 0);
  return h("li", { class: `card compact ${v.available ? "is-available" : "is-away"}`, "data-volunteer-id": v.id },
    h("span", { class: "name", text: v.first_name }), " ",
    h("span", { class: "badge", text: t(v.available ? "board.available" : "board.not_available") }), " ",
    h("span", { text: t("board.trip_count", { n: count }) }),
    v.phone ? h("p", {}, callLink(v.phone, v.first_name)) : null,
    weekOf(v));
}

async function officeAction(path, button) {
  button.disabled = true;
  try {
    await api("POST", path);
    await loadBoard();
  } catch (err) {
    toast(errorText(err), "error");
    button.disabled = false;
  }
}

function taskItem(task) {
  const who = task.person || {};
  const done = h("button", { type: "button", class: "btn btn-secondary", text: t("board.task_done") });
  done.addEventListener("click", () => officeAction(`/tasks/${task.id}/done`, done));
  return h("li", { class: "card compact task", "data-task-id": task.id },
    h("span", { text: t("board.callback_asked", { name: who.display_name || "?" }) }), " ",
    who.phone ? callLink(who.phone, who.display_name || "") : null, " ", done);
}

function failedItem(n) {
  const who = n.person || {};
  const tried = (n.tried || []).map((d) => d.channel).join(", ") || "–";
  const retry = h("button", { type: "button", class: "btn btn-secondary", text: t("board.notice_retry") });
  retry.addEventListener("click", () => officeAction(`/notices/${n.id}/retry`, retry));
  return h("li", { class: "card compact failed-notice", "data-notice-id": n.id },
    h("span", { text: t("board.notice_failed", { name: who.display_name || "?", ways: tried }) }),
    n.detail ? h("p", { class: "hint", text: n.detail }) : null, retry);
}

function renderOffice() {
  const tasks = board.tasks || [];
  const failed = board.failed_notices || [];
  document.getElementById("task-list").replaceChildren(...tasks.map(taskItem));
  document.getElementById("failed-list").replaceChildren(...failed.map(failedItem));
  document.getElementById("tasks-empty").hidden = tasks.length + failed.length > 0;
}

const dayInput = document.getElementById("board-day");

function render() {
  renderOffice();
  const day = dayInput.value;
  const u = (board.unassigned || []).filter((r) => !day || String(r.time || "").slice(0, 10) === day);
  const trips = (board.trips || []).filter((trip) => !day || trip.day === day);
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
const phoneResult = document.getElementById("phone-result");

function selectedHome() {
  if (residentSelect.value === "new") return placeOf(homeInput);
  const r = residents.find((x) => String(x.id) === residentSelect.value);
  return r?.resident?.home || r?.home || null;
}
const booking = bookingForm(form, "ph-", selectedHome);
addressAutocomplete(homeInput, (place) => showHome(form, { address: place.label }));

function residentName(r) {
  return [r.first_name, r.last_name].filter(Boolean).join(" ") || r.display_name || "";
}

function fillResidentSelect() {
  const chosen = residentSelect.value;
  residentSelect.replaceChildren(
    h("option", { value: "new", "data-i18n": "board.new_resident" }, t("board.new_resident")),
    ...residents.map((r) => h("option", { value: r.id }, r.display_name || r.first_name)));
  if ([...residentSelect.options].some((o) => o.value === chosen)) residentSelect.value = chosen;
  newResident.hidden = residentSelect.value !== "new";
  booking.showWishes(residentSelect.value !== "new");
}

async function loadResidents() {
  try {
    const q = quarterSelect.value;
    const data = await api("GET", `/residents${q ? `?quarter=${encodeURIComponent(q)}` : ""}`);
    residents = Array.isArray(data) ? data : data.residents || [];
  } catch {
    residents = [];
  }
  fillResidentSelect();
  renderPeople();
}

/** A resident just made or changed here is in the lists at once (no reload). */
function keepResident(person) {
  const i = residents.findIndex((r) => r.id === person.id);
  if (i >= 0) residents[i] = person;
  else residents.push(person);
  residents.sort((a, b) => residentName(a).localeCompare(residentName(b)));
  fillResidentSelect();
  renderPeople();
}

/** The result banner belongs to one resident: a change of person clears it. */
function clearPhoneResult() {
  phoneResult.replaceChildren();
  phoneResult.hidden = true;
  delete phoneResult.dataset.residentId;
}

/** The booking form follows the chosen resident: her home, aids and wishes (new: none). */
function fitFormToResident() {
  const r = residents.find((x) => String(x.id) === residentSelect.value);
  newResident.hidden = residentSelect.value !== "new";
  showHome(form, selectedHome());
  booking.setProfile(r?.resident || null);
  booking.showWishes(residentSelect.value !== "new");
}

residentSelect.addEventListener("change", () => {
  clearPhoneResult();
  fitFormToResident();
});
document.getElementById("ph-first").addEventListener("input", () => {
  if (phoneResult.dataset.residentId) clearPhoneResult();
});

async function createLoginCode(residentId, out) {
  try {
    const data = await api("POST", `/residents/${residentId}/login-code`, {});
    const who = residents.find((r) => String(r.id) === String(residentId));
    out.replaceChildren(h("p", {}, t("board.code_for", { name: who ? residentName(who) : "" }), " ",
      h("strong", { class: "login-code", dir: "ltr" }, data.code)),
    h("p", { class: "hint" }, data.url || ""));
  } catch (err) {
    out.textContent = serverMessage(err);
  }
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const kind = form.querySelector('[name="ph-kind-main"]:checked').value;
  let residentId = residentSelect.value;
  const first = document.getElementById("ph-first");
  clearPhoneResult();
  if (residentId === "new" && !first.value.trim()) {
    first.setAttribute("aria-invalid", "true");
    first.focus();
    phoneResult.textContent = t("board.need_name");
    phoneResult.hidden = false;
    return;
  }
  const body = booking.payload(kind);
  if (!body) return;
  if (form.dataset.duplicateOk) body.confirm_duplicate = true; // "book anyway" was pressed
  delete form.dataset.duplicateOk;
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
      const person = created.person || created;
      residentId = String(person.id);
      keepResident(person);
      residentSelect.value = residentId;
      newResident.hidden = true;
    }
    body.resident_id = Number(residentId);
    const data = await api("POST", "/requests", body);
    const r = data.request || data;
    const who = residents.find((x) => String(x.id) === residentId);
    const codeOut = h("div", { class: "code-out", role: "status" });
    const codeBtn = h("button", { type: "button", class: "btn btn-secondary", "data-code-for": residentId },
      t("board.make_code_for", { name: who ? residentName(who) : "" }));
    codeBtn.addEventListener("click", () => createLoginCode(residentId, codeOut));
    phoneResult.replaceChildren(h("p", { text: t("board.booked", { state: t(`state.${r.state}`) }) }),
      codeBtn, codeOut);
    phoneResult.dataset.residentId = residentId;
    phoneResult.hidden = false;
    booking.reset();
    residentSelect.value = residentId;
    fitFormToResident();
    toast(t("board.booked", { state: t(`state.${r.state}`) }), "ok");
    loadBoard();
  } catch (err) {
    if (err.code === "likely_duplicate") showPhoneDuplicate(serverMessage(err));
    else {
      booking.showServerErrors(err, byIds({ first_name: "ph-first", last_name: "ph-last",
        phone: "ph-phone", gender: "ph-gender", same_gender: "ph-same" }));
    }
  }
});

/** The person has this ride booked already: say so; booking it anyway takes one more tap. */
function showPhoneDuplicate(text) {
  const anyway = h("button", { type: "button", class: "btn btn-secondary", "data-duplicate-anyway": "" },
    t("booking.duplicate_anyway"));
  anyway.addEventListener("click", () => {
    form.dataset.duplicateOk = "1";
    clearPhoneResult();
    form.requestSubmit();
  });
  phoneResult.replaceChildren(h("p", { class: "duplicate", dir: "auto", text }), anyway);
  phoneResult.hidden = false;
  anyway.focus();
}

// ---------------------------------------------------------------- one request: edit, cancel
const requestPanel = document.getElementById("request-panel");
const editForm = document.getElementById("edit-form");
// the ride's places, changed by choosing another address from the list
const editPlaces = Object.fromEntries(["pickup", "dropoff"].map((end) => {
  const input = document.getElementById(`ed-${end}`);
  return [end, { input, ac: addressAutocomplete(input) }];
}));
const editMsg = document.getElementById("edit-msg");
let current = null; // the request open in the panel

function timeOptions(select) {
  if (select.options.length) return;
  for (let hh = 6; hh < 22; hh += 1) {
    for (const mm of [0, 15, 30, 45]) {
      const v = `${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}`;
      select.append(h("option", { value: v }, v));
    }
  }
}

async function openRequest(requestId, what) {
  let r;
  try {
    r = (await api("GET", `/requests/${requestId}`)).request;
  } catch (err) {
    toast(serverMessage(err), "error");
    return;
  }
  current = r;
  document.getElementById("request-h").textContent = t("board.request_heading", {
    name: r.resident?.first_name || "", when: fmtWhen(r.time) });
  document.getElementById("request-facts").replaceChildren(
    h("dt", { text: t("board.route") }),
    h("dd", { text: `${r.pickup?.address || "–"} → ${r.dropoff?.address || "–"}` }),
    h("dt", { text: t("board.state") }), h("dd", { text: t(`state.${r.state}`) }));
  const time = document.getElementById("ed-time");
  timeOptions(time);
  const [day, hhmm] = String(r.time || "").split("T");
  document.getElementById("ed-date").value = day || "";
  document.getElementById("ed-date").min = isoDay(new Date());
  const rounded = (hhmm || "10:00").slice(0, 5);
  if (![...time.options].some((o) => o.value === rounded)) time.append(h("option", { value: rounded }, rounded));
  time.value = rounded;
  document.getElementById("ed-mode").value = r.time_mode || "pickup_after";
  document.getElementById("ed-passengers").value = String(r.passengers || 1);
  document.getElementById("ed-notes").value = r.notes || "";
  for (const [end, { input, ac }] of Object.entries(editPlaces)) {
    ac.set(r[end] || null);
    fieldError(input, "");
  }
  editForm.querySelectorAll('[name="ed-aid"]').forEach((el) => {
    el.checked = (r.mobility_aids || []).includes(el.value);
  });
  editForm.hidden = !EDITABLE.has(r.state);
  document.getElementById("cancel-box").hidden = !CANCELLABLE.has(r.state);
  document.getElementById("cancel-confirm").hidden = what !== "cancel";
  editMsg.textContent = "";
  requestPanel.hidden = false;
  requestPanel.dataset.requestId = r.id;
  const heading = document.getElementById("request-h");
  heading.focus();
  requestPanel.scrollIntoView({ block: "start" });
  if (what === "cancel") document.getElementById("cancel-no").focus();
}

function closeRequest() {
  requestPanel.hidden = true;
  delete requestPanel.dataset.requestId;
  current = null;
}

/** The aids ticked in the edit form, and the request's other aids (not shown there) kept. */
function editedAids() {
  const boxes = [...editForm.querySelectorAll('[name="ed-aid"]')];
  const shown = new Set(boxes.map((el) => el.value));
  const others = (current?.mobility_aids || []).filter((a) => !shown.has(a));
  return [...boxes.filter((el) => el.checked).map((el) => el.value), ...others];
}

editForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!current) return;
  const day = document.getElementById("ed-date").value;
  const time = document.getElementById("ed-time").value;
  const body = {
    time: `${day}T${time}:00`, time_mode: document.getElementById("ed-mode").value,
    passengers: Number(document.getElementById("ed-passengers").value),
    notes: document.getElementById("ed-notes").value.trim(),
    mobility_aids: editedAids(),
  };
  for (const [end, { input }] of Object.entries(editPlaces)) {
    const place = placeOf(input);
    if (place && place.address !== current[end]?.address) body[end] = place;
    else if (!place && input.value.trim() !== (current[end]?.address || "")) {
      fieldError(input, t("booking.pick_suggestion"));
      input.focus();
      return;
    }
  }
  try {
    const data = await api("PATCH", `/requests/${current.id}`, body);
    current = data.request;
    editMsg.textContent = t("board.saved", { state: t(`state.${current.state}`) });
    toast(editMsg.textContent, "ok");
    loadBoard();
  } catch (err) {
    editMsg.textContent = markFields(err, byIds({ time: "ed-time", time_mode: "ed-mode",
      passengers: "ed-passengers", notes: "ed-notes", pickup: "ed-pickup", dropoff: "ed-dropoff" }));
  }
});

document.getElementById("cancel-request").addEventListener("click", () => {
  document.getElementById("cancel-confirm").hidden = false;
  document.getElementById("cancel-no").focus();
});
document.getElementById("cancel-no").addEventListener("click", () => {
  document.getElementById("cancel-confirm").hidden = true;
  document.getElementById("cancel-request").focus();
});
document.getElementById("cancel-yes").addEventListener("click", async () => {
  if (!current) return;
  try {
    await api("POST", `/requests/${current.id}/cancel`, {});
    toast(t("board.cancelled"), "ok");
    announce("board-live", t("board.cancelled"));
    closeRequest();
    loadBoard();
  } catch (err) {
    editMsg.textContent = serverMessage(err);
    document.getElementById("cancel-confirm").hidden = true;
  }
});
document.getElementById("request-close").addEventListener("click", closeRequest);

// ---------------------------------------------------------------- the resident register
const peopleSearch = document.getElementById("people-q");
const codes = new Map(); // resident id -> {code, url}, shown in that person's row only
let searchTimer = null;

function personRow(r) {
  const headingId = `person-${r.id}-h`;
  const out = h("div", { class: "code-out", role: "status" });
  const code = codes.get(r.id);
  if (code) {
    out.append(h("p", {}, t("board.code_for", { name: residentName(r) }), " ",
      h("strong", { class: "login-code", dir: "ltr" }, code.code)), h("p", { class: "hint" }, code.url || ""));
  }
  const codeBtn = h("button", { type: "button", class: "btn btn-secondary", "data-code-for": r.id,
    "aria-describedby": headingId }, t("board.make_code"));
  codeBtn.addEventListener("click", async () => {
    try {
      const data = await api("POST", `/residents/${r.id}/login-code`, {});
      codes.set(r.id, data);
      renderPeople();
      document.querySelector(`#people-list [data-person-id="${r.id}"] [data-code-for]`)?.focus();
    } catch (err) { out.textContent = serverMessage(err); }
  });
  const editBtn = h("button", { type: "button", class: "btn btn-secondary", "data-profile": r.id,
    "aria-describedby": headingId, onclick: () => openProfile(r.id) }, t("board.edit_profile"));
  const home = r.resident?.home?.address;
  return h("li", { class: "card compact", "data-person-id": r.id },
    h("h3", { id: headingId, text: residentName(r) }),
    home ? h("p", { class: "home", text: home }) : null,
    r.phone ? h("p", {}, callLink(r.phone, "")) : null,
    h("div", { class: "card-actions" }, codeBtn, editBtn), out);
}

function renderPeople() {
  const q = peopleSearch.value.trim().toLowerCase();
  const shown = residents.filter((r) => !q || [r.first_name, r.last_name, r.phone, r.display_name]
    .some((x) => String(x || "").toLowerCase().includes(q)));
  document.getElementById("people-list").replaceChildren(...shown.map(personRow));
  document.getElementById("people-empty").hidden = shown.length > 0;
}

peopleSearch.addEventListener("input", () => {
  renderPeople();
  clearTimeout(searchTimer);
  // the server knows more than the first page of names: ask it too
  searchTimer = setTimeout(async () => {
    const q = peopleSearch.value.trim();
    if (!q) return;
    try {
      const data = await api("GET", `/residents?q=${encodeURIComponent(q)}`);
      (data.residents || []).forEach((p) => {
        if (!residents.some((r) => r.id === p.id)) residents.push(p);
      });
      renderPeople();
    } catch { /* the local filter stays */ }
  }, 300);
});

// ---------------------------------------------------------------- profile editing
const profilePanel = document.getElementById("profile-panel");
const profileForm = document.getElementById("profile-form");
const profileMsg = document.getElementById("profile-msg");
const profileHome = document.getElementById("pf-home");
const profileHomeAc = addressAutocomplete(profileHome);
// the resident's channels, quiet hours and caregiver copies (she calls the office to change them)
const profileNotify = notifySettings(profileForm, "pn-", { caregiver: true });
let editing = null;

/** Load the resident's notification settings into the profile form (locked until they came). */
async function loadProfileNotify(personId) {
  const loading = document.getElementById("pn-loading");
  profileNotify.reset();
  loading.textContent = t("notify.loading");
  loading.hidden = false;
  try {
    const data = await api("GET", `/residents/${personId}/notifications`);
    if (editing?.id !== personId) return; // another person was opened meanwhile
    profileNotify.show(data.notifications, personId);
    loading.hidden = true;
  } catch (err) {
    // the rest of the profile can still be saved; these fields stay locked
    if (editing?.id === personId) loading.textContent = serverMessage(err);
  }
}

function openProfile(personId) {
  const r = residents.find((x) => x.id === personId);
  if (!r) return;
  editing = r;
  const prof = r.resident || {};
  document.getElementById("profile-h").textContent = t("board.profile_of", { name: residentName(r) });
  document.getElementById("pf-first").value = r.first_name || "";
  document.getElementById("pf-last").value = r.last_name || "";
  document.getElementById("pf-phone").value = r.phone || "";
  profileHomeAc.set(prof.home || null);
  const aids = new Set(prof.mobility_aids || []);
  profileForm.querySelectorAll('[name="pf-aid"]').forEach((el) => { el.checked = aids.has(el.value); });
  const langs = new Set(prof.languages || []);
  profileForm.querySelectorAll('[name="pf-lang"]').forEach((el) => { el.checked = langs.has(el.value); });
  document.getElementById("pf-same").value = prof.same_gender || "none";
  document.getElementById("pf-door").checked = Boolean(prof.help_at_door);
  document.getElementById("pf-notes").value = prof.notes || "";
  profileMsg.textContent = "";
  profilePanel.hidden = false;
  document.getElementById("profile-h").focus();
  profilePanel.scrollIntoView({ block: "start" });
  loadProfileNotify(r.id);
}

profileForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!editing) return;
  const body = {
    first_name: document.getElementById("pf-first").value.trim(),
    last_name: document.getElementById("pf-last").value.trim(),
    phone: document.getElementById("pf-phone").value.trim(),
    mobility_aids: [...profileForm.querySelectorAll('[name="pf-aid"]:checked')].map((el) => el.value),
    languages: [...profileForm.querySelectorAll('[name="pf-lang"]:checked')].map((el) => el.value),
    same_gender: document.getElementById("pf-same").value,
    help_at_door: document.getElementById("pf-door").checked,
    notes: document.getElementById("pf-notes").value.trim(),
  };
  const home = placeOf(profileHome);
  if (home) body.home = home;
  else if (profileHome.value.trim() !== (editing.resident?.home?.address || "")) {
    profileMsg.textContent = t("booking.pick_suggestion");
    profileHome.focus();
    return;
  }
  // the notification settings are saved only when changed (each change is audited)
  const notifyChanged = profileNotify.changed();
  profileNotify.clearErrors();
  if (notifyChanged && !profileNotify.payload()) {
    profileMsg.textContent = t("notify.need_channel");
    profileForm.querySelector("#pn-channels input")?.focus();
    return;
  }
  try {
    const data = await api("PATCH", `/residents/${editing.id}`, body);
    editing = data.person;
    keepResident(editing);
  } catch (err) {
    profileMsg.textContent = markFields(err, { ...byIds({ first_name: "pf-first",
      last_name: "pf-last", phone: "pf-phone", same_gender: "pf-same", notes: "pf-notes" }), home: profileHome });
    return;
  }
  let text = t("board.profile_saved");
  let ok = true;
  if (notifyChanged) {
    try {
      const prefs = await profileNotify.save(`/residents/${editing.id}/notifications`);
      text = `${text} ${t("notify.saved_office")} ${profileNotify.summary(prefs)}`;
    } catch (err) {
      ok = false;
      text = `${text} ${t("notify.not_saved")} ${err instanceof Incomplete ? err.message : serverMessage(err)}`;
    }
  }
  profileMsg.textContent = text;
  toast(ok ? t("board.profile_saved") : text, ok ? "ok" : "error");
});
document.getElementById("profile-close").addEventListener("click", () => {
  profilePanel.hidden = true;
  editing = null;
});

// ---------------------------------------------------------------- start
onLanguageChange(() => { render(); renderPeople(); profileNotify.rerender(); });

async function main() {
  await boot();
  person = await loadMe();
  const config = await siteConfig();
  // a coordinator sees the own quarter; an administrator chooses any
  const own = quarterSlug(person?.quarter);
  (config.quarters || []).filter((q) => person?.role === "admin" || !own || q.slug === own)
    .forEach((q) => quarterSelect.append(h("option", { value: q.slug }, q.name)));
  if (own) quarterSelect.value = own;
  dayInput.addEventListener("change", render);
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
    "register.changed": () => loadResidents(),  // another desk made or changed a resident
  });
  map = await createMap(document.getElementById("map"));
  await showStreets(map, quarterSelect.value);
  drawMap();
}

main();
