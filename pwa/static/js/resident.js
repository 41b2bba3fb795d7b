// The resident app: three big buttons, booking (also offline), my trips with live status.
import {
  ApiError, announce, api, boot, bookingForm, callLink, connectSocket, errorText, fmtTime, fmtWhen,
  greet, h, has, isoLocal, loadMe, reasonText, serverMessage, office, onLanguageChange, onOutboxChange,
  myOutbox, outbox, postOrQueue,
  showHome, t, tOr, toast,
} from "./app.js";
import { ownNotifyForm } from "./notify.js";
import { namedVolunteer, residentStatus } from "./status.js";

const ACTIVE = ["requested", "planned", "offered", "accepted", "en_route", "picked_up"];
const CANCELLABLE = ["requested", "planned", "offered", "accepted", "en_route", "unservable"];
let person = null;
let requests = new Map();
let kind = "ride";
// the confirmation open on a card ("cancel" or "again"), kept across the live re-draws
const openConfirm = new Map();
const FOCUS_ATTRS = ["data-cancel", "data-cancel-yes", "data-cancel-no", "data-again",
  "data-again-yes", "data-again-no"];

const form = document.getElementById("booking-form");
const booking = bookingForm(form, "", () => person?.resident?.home || null);
const list = document.getElementById("trip-list");

function openBooking(which) {
  kind = which;
  closeNotify();
  const section = document.getElementById("booking");
  const heading = document.getElementById("booking-h");
  document.getElementById("escort-kind").hidden = which !== "escort";
  heading.dataset.i18n = which === "escort" ? "resident.booking_escort" : "resident.booking_ride";
  heading.textContent = t(heading.dataset.i18n);
  section.hidden = false;
  booking.setProfile(person?.resident);
  heading.focus();
  section.scrollIntoView({ block: "start" });
}

function closeBooking() {
  document.getElementById("booking").hidden = true;
  booking.reset();
  hideDuplicate();
}

// ---------------------------------------------------------------- notifications
const notifySection = document.getElementById("notify");
const notifyButton = document.getElementById("act-notify");
const notify = ownNotifyForm(document.getElementById("notify-form"), "nt-", { caregiver: true });

async function openNotify() {
  closeBooking();
  notifySection.hidden = false;
  notifyButton.setAttribute("aria-expanded", "true");
  const heading = document.getElementById("notify-h");
  heading.focus();
  notifySection.scrollIntoView({ block: "start" });
  await notify.load(person?.id);
}

function closeNotify() {
  notifySection.hidden = true;
  notifyButton.setAttribute("aria-expanded", "false");
}

function sortRequests(items) {
  const active = items.filter((r) => ACTIVE.includes(r.state))
    .sort((a, b) => String(a.time).localeCompare(String(b.time)));
  const done = items.filter((r) => !ACTIVE.includes(r.state))
    .sort((a, b) => String(b.time).localeCompare(String(a.time)));
  return [...active, ...done].slice(0, 30);
}

/** The same trip one week later (again and again until it lies in the future). */
function againTime(iso) {
  const d = new Date(iso);
  const now = new Date();
  do { d.setDate(d.getDate() + 7); } while (d < now);
  return isoLocal(d);
}

function detail(labelKey, value, cls) {
  return [h("dt", { text: t(labelKey) }), h("dd", { class: cls, text: value })];
}

function stateText(r) {
  return residentStatus(r).text;
}

/** The same ride (same places, same day) among the resident's rides still to come. */
function duplicateOf(body, excludeId) {
  const day = String(body.time || "").slice(0, 10);
  const same = (r) => r.pickup?.address === body.pickup?.address &&
    r.dropoff?.address === body.dropoff?.address && String(r.time || "").slice(0, 10) === day;
  const known = [...requests.values()].find((r) => r.id !== excludeId && ACTIVE.includes(r.state) && same(r));
  if (known) return known;
  return outbox().map((x) => x.body || {}).find((b) => b.pickup && same(b)) || null;
}

function afterText(minutes) {
  const key = `booking.after_${minutes}`;
  return has(key) ? t(key) : t("resident.again_minutes", { n: minutes });
}

/** "Book again": first say what will be booked (outward and return), warn of a duplicate. */
function againBox(r, next, headingId) {
  const ret = r.return_id ? requests.get(r.return_id) : null;
  const minutes = ret?.appointment_minutes;
  const dup = duplicateOf({ pickup: r.pickup, dropoff: r.dropoff, time: next });
  const box = h("div", { class: "confirm again-confirm", role: "group", "aria-labelledby": `${headingId}-again` },
    h("p", { id: `${headingId}-again`, text: t("resident.again_confirm") }),
    h("ul", { class: "plain-list again-what" },
      h("li", { "data-again-out": true, text: t("resident.again_out", {
        when: `${fmtWhen(next)} (${t(`time_mode.${r.time_mode}`)})`,
        from: r.pickup?.address || "–", to: r.dropoff?.address || "–" }) }),
      h("li", { "data-again-return": true, text: r.return_id
        ? t("resident.again_return", { after: minutes ? afterText(minutes) : "–" })
        : t("resident.again_no_return") })),
    dup ? h("p", { class: "duplicate", role: "alert",
      text: t("resident.duplicate", { when: fmtWhen(dup.time) }) }) : null,
    h("button", { type: "button", class: "btn btn-primary", "data-again-yes": true,
      onclick: (e) => {
        e.target.disabled = true;
        openConfirm.delete(r.id);
        bookAgain(r.id, next, Boolean(dup));
      } },
    t(dup ? "resident.again_anyway" : "resident.again_yes")),
    h("button", { type: "button", class: "btn btn-quiet", "data-again-no": true,
      onclick: () => { openConfirm.delete(r.id); render(); focusIn(r.id, "data-again"); } },
    t("resident.cancel_no")));
  return box;
}

/** The quarter office's number as a big tel: link, with what to do (unservable, no-show). */
function callOffice() {
  const o = office();
  return h("div", { class: "call-office" },
    h("p", { text: t("status.call_office") }),
    o ? callLink(o.phone, o.name) : null);
}

function requestCard(r) {
  const title = `${t(`kind.${r.kind}`)}: ${r.dropoff?.address || ""}`;
  const headingId = `req-${r.id}-h`;
  const actions = h("div", { class: "card-actions" });
  const cancelQueued = myOutbox("cancel").some((x) => x.ref === r.id);
  if (cancelQueued) {
    actions.append(h("p", { class: "queued", "data-queued-cancel": r.id, text: t("resident.cancel_queued") }));
  } else if (CANCELLABLE.includes(r.state)) {
    const confirmBox = h("div", { class: "confirm", hidden: openConfirm.get(r.id) !== "cancel",
      role: "group", "aria-label": t("resident.cancel_confirm") },
      h("p", { text: t("resident.cancel_confirm") }),
      h("button", { type: "button", class: "btn btn-danger", "data-cancel-yes": true,
        onclick: () => { openConfirm.delete(r.id); cancel(r.id); } }, t("resident.cancel_yes")),
      h("button", { type: "button", class: "btn btn-quiet", "data-cancel-no": true,
        onclick: () => { openConfirm.delete(r.id); render(); focusIn(r.id, "data-cancel"); } },
      t("resident.cancel_no")));
    actions.append(h("button", { type: "button", class: "btn btn-secondary", "data-cancel": true,
      "aria-describedby": headingId,
      onclick: () => { openConfirm.set(r.id, "cancel"); render(); focusIn(r.id, "data-cancel-yes"); } },
    t("resident.cancel")), confirmBox);
  }
  // less prominent than anything else on the card; asks before booking
  if (r.return_of === null || r.return_of === undefined) {
    const next = againTime(r.time);
    const open = openConfirm.get(r.id) === "again";
    actions.append(h("button", { type: "button", class: "btn btn-quiet", "data-again": true,
      "aria-describedby": headingId, "aria-expanded": String(open),
      onclick: () => { openConfirm.set(r.id, "again"); render(); focusIn(r.id, "data-again-yes"); } },
    t("resident.again")));
    if (open) actions.append(againBox(r, next, headingId));
  }

  const isReturn = r.return_of !== null && r.return_of !== undefined;
  let when = `${fmtWhen(r.time)} (${t(`time_mode.${r.time_mode}`)})`;
  // a return ride's wished time is only an estimate: the plan's pick-up time is what counts
  if (isReturn) {
    when = r.planned_pickup ? `${fmtWhen(r.planned_pickup)} (${t("resident.planned")})`
      : t("resident.about", { when: fmtWhen(r.time) });
  }
  const facts = h("dl", { class: "facts" },
    detail("resident.when", when, "when"),
    detail("resident.from", r.pickup?.address || "–"));
  if (r.planned_pickup && !isReturn) facts.append(...detail("resident.planned_pickup", fmtTime(r.planned_pickup), "planned-pickup"));
  // what was booked, so the resident can check it: aids, people, the note for the volunteer
  const aids = (r.mobility_aids || []).map((a) => (has(`need.${a}`) ? t(`need.${a}`) : a));
  if (aids.length) facts.append(...detail("volunteer.needs", aids.join(", "), "needs"));
  if (r.passengers > 1) facts.append(...detail("volunteer.passengers", t("volunteer.passengers_n", { n: r.passengers })));
  if (r.notes) facts.append(...detail("volunteer.note", r.notes, "note"));
  const volunteer = namedVolunteer(r);
  if (volunteer) {
    facts.append(...detail(r.kind === "escort_walk" ? "resident.escort_by" : "resident.volunteer",
      volunteer.first_name, "volunteer-name"));
  }
  if (r.return_id) {
    const ret = requests.get(r.return_id);
    const text = ret?.planned_pickup
      ? `${t("resident.return_booked")}, ${t("resident.return_at", { time: fmtTime(ret.planned_pickup) })}`
      : t("resident.return_booked");
    facts.append(...detail("resident.return", text, "return-info"));
  }
  const status = residentStatus(r);

  return h("li", { class: `card state-${r.state} tone-${status.tone}`, "data-request-id": r.id },
    h("h3", { id: headingId, text: title }),
    h("p", { class: "state", "data-state": r.state, "data-tone": status.tone, text: status.text }),
    status.call ? callOffice() : null,
    facts,
    volunteer?.phone ? h("p", { class: "call-volunteer" },
      callLink(volunteer.phone, volunteer.first_name)) : null,
    r.reason ? h("p", { class: "reason", dir: "auto", text: reasonText(r.reason) }) : null,
    actions);
}

function pendingCard(item) {
  const b = item.body || {};
  const title = b.dropoff ? `${t(`kind.${b.kind || "ride"}`)}: ${b.dropoff.address}` : t("resident.again_pending");
  return h("li", { class: "card pending", "data-local-id": item.id },
    h("h3", { text: title }),
    h("p", { class: "state", "data-state": "pending", text: t("offline.pending") }),
    b.time ? h("dl", { class: "facts" }, detail("resident.when", fmtWhen(b.time))) : null);
}

/** Focus the element with `attr` on the card of request `id` (after a re-draw). */
function focusIn(id, attr) {
  list.querySelector(`li[data-request-id="${id}"] [${attr}]`)?.focus({ preventScroll: true });
}

function render() {
  const pending = myOutbox("booking");
  const items = sortRequests([...requests.values()]);
  // a live re-draw keeps the focus where it was (on the same button of the same card)
  const active = document.activeElement;
  const card = active?.closest?.("#trip-list > li[data-request-id]");
  const attr = card && FOCUS_ATTRS.find((a) => active.hasAttribute(a));
  list.replaceChildren(...pending.map(pendingCard), ...items.map(requestCard));
  if (attr) focusIn(card.dataset.requestId, attr);
  document.getElementById("trips-empty").hidden = pending.length + items.length > 0;
}

function upsert(r) {
  if (!r || r.id === undefined) return;
  requests.set(r.id, r);
}

async function loadRequests() {
  try {
    const data = await api("GET", "/requests");
    const items = Array.isArray(data) ? data : (data.requests || []);
    requests = new Map(items.map((r) => [r.id, r]));
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) console.warn(err);
  }
  render();
}

function announceUpdate(r) {
  const parts = [t("resident.update", { when: fmtWhen(r.time), state: stateText(r) })];
  if (r.planned_pickup) parts.push(t("resident.update_pickup", { time: fmtTime(r.planned_pickup) }));
  announce("trips-live", parts.join(" "));
}

async function cancel(id) {
  try {
    const data = await postOrQueue(`/requests/${id}/cancel`, {}, { kind: "cancel", ref: id });
    if (data.queued) {
      toast(t("resident.cancel_queued"), "info");
      announce("trips-live", t("resident.cancel_queued"));
    } else {
      upsert(data.request || data);
      toast(t("resident.cancelled"), "ok");
      announce("trips-live", t("resident.cancelled"));
    }
    render();
  } catch (err) {
    toast(serverMessage(err), "error");
  }
}

/** Show a booking's answer: sent and stored, or queued on the phone until the connection returns. */
function showBooked(data) {
  if (data.queued) {
    toast(t("offline.pending"), "info");
    announce("trips-live", t("offline.pending"));
  } else {
    const r = data.request || data;
    upsert(r);
    const status = residentStatus(r);
    const text = status.key === "status.requested" ? status.text : `${t("resident.booked")} ${status.text}`;
    toast(text, status.tone === "problem" ? "error" : "info");
    announceUpdate(r);
  }
  render();
}

async function bookAgain(id, time, anyway = false) {
  try {
    showBooked(await postOrQueue(`/requests/${id}/again`,
      anyway ? { time, confirm_duplicate: true } : { time }));
  } catch (err) {
    toast(serverMessage(err), "error");
  }
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const k = kind === "escort" ? form.querySelector('[name="kind"]:checked')?.value : "ride";
  const body = booking.payload(k || "ride");
  if (!body) return;
  const dup = duplicateOf(body);
  if (dup && !form.dataset.duplicateOk) {
    showDuplicate(dup);
    return;
  }
  if (form.dataset.duplicateOk) body.confirm_duplicate = true; // "book it anyway"
  delete form.dataset.duplicateOk;
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const data = await postOrQueue("/requests", body);
    closeBooking();
    showBooked(data);
    document.getElementById("trips-h").focus();
  } catch (err) {
    // the server knows the same ride (booked on another device, or places a few metres apart)
    if (err.code === "likely_duplicate") showDuplicate(null, serverMessage(err));
    else booking.showServerErrors(err);
  } finally {
    button.disabled = false;
  }
});

const duplicateBox = document.getElementById("booking-duplicate");

function showDuplicate(dup, text) {
  duplicateBox.querySelector("[data-duplicate-text]").textContent =
    text || t("resident.duplicate", { when: fmtWhen(dup.time) });
  duplicateBox.hidden = false;
  duplicateBox.querySelector("button").focus();
}

function hideDuplicate() {
  duplicateBox.hidden = true;
  delete form.dataset.duplicateOk;
}

duplicateBox.querySelector("button").addEventListener("click", () => {
  form.dataset.duplicateOk = "1";
  duplicateBox.hidden = true;
  form.requestSubmit();
});

document.getElementById("act-ride").addEventListener("click", () => openBooking("ride"));
document.getElementById("act-escort").addEventListener("click", () => openBooking("escort"));
document.getElementById("act-trips").addEventListener("click", () => {
  closeBooking();
  closeNotify();
  const heading = document.getElementById("trips-h");
  heading.scrollIntoView({ block: "start" });
  heading.focus();
});
notifyButton.addEventListener("click", openNotify);
document.getElementById("notify-close").addEventListener("click", () => {
  closeNotify();
  notifyButton.focus();
});
document.getElementById("booking-cancel").addEventListener("click", () => {
  closeBooking();
  document.getElementById("act-ride").focus();
});
document.addEventListener("outbox:sent", (e) => {
  const r = e.detail.data && (e.detail.data.request || e.detail.data);
  if (r && r.id !== undefined) { upsert(r); announceUpdate(r); }
  render();
});
onOutboxChange(render);
onLanguageChange(() => {
  greet(person, "resident.hello");
  render();
  notify.rerender();
});

async function main() {
  await boot();
  person = await loadMe();
  if (person) {
    greet(person, "resident.hello");
    showHome(form, person.resident?.home);
  }
  await loadRequests();
  connectSocket({
    snapshot: (data) => {
      const items = data && (data.requests || (Array.isArray(data) ? data : null));
      if (items) { requests = new Map(items.map((r) => [r.id, r])); render(); } else loadRequests();
    },
    "request.updated": (data) => {
      const r = data.request || data;
      const before = requests.get(r.id);
      // nothing new: no re-draw, so nothing moves under the finger
      if (before && JSON.stringify(before) === JSON.stringify(r)) return;
      upsert(r);
      render();
      if (!before || before.state !== r.state || before.volunteer?.id !== r.volunteer?.id ||
          before.planned_pickup !== r.planned_pickup) announceUpdate(r);
    },
  });
}

main();
