// The resident app: three big buttons, booking (also offline), my trips with live status.
import {
  ApiError, announce, api, boot, bookingForm, connectSocket, errorText, fmtTime, fmtWhen, greet, h,
  isoLocal, loadMe, onLanguageChange, onOutboxChange, outbox, postOrQueue, showHome, t, toast,
} from "./app.js";

const ACTIVE = ["requested", "planned", "offered", "accepted", "en_route", "picked_up"];
const CANCELLABLE = ["requested", "planned", "offered", "accepted", "en_route", "unservable"];
let person = null;
let requests = new Map();
let kind = "ride";

const form = document.getElementById("booking-form");
const booking = bookingForm(form, "", () => person?.resident?.home || null);
const list = document.getElementById("trip-list");

function openBooking(which) {
  kind = which;
  const section = document.getElementById("booking");
  const heading = document.getElementById("booking-h");
  document.getElementById("escort-kind").hidden = which !== "escort";
  heading.dataset.i18n = which === "escort" ? "resident.booking_escort" : "resident.booking_ride";
  heading.textContent = t(heading.dataset.i18n);
  section.hidden = false;
  heading.focus();
  section.scrollIntoView({ block: "start" });
}

function closeBooking() {
  document.getElementById("booking").hidden = true;
  booking.reset();
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
  return t(`state.${r.state}`);
}

function requestCard(r) {
  const title = `${t(`kind.${r.kind}`)}: ${r.dropoff?.address || ""}`;
  const headingId = `req-${r.id}-h`;
  const actions = h("div", { class: "card-actions" });
  if (CANCELLABLE.includes(r.state)) {
    const confirmBox = h("div", { class: "confirm", hidden: true, role: "group",
      "aria-label": t("resident.cancel_confirm") },
      h("p", { text: t("resident.cancel_confirm") }),
      h("button", { type: "button", class: "btn btn-danger",
        onclick: () => cancel(r.id) }, t("resident.cancel_yes")),
      h("button", { type: "button", class: "btn btn-quiet",
        onclick: (e) => { confirmBox.hidden = true; e.target.closest(".card").querySelector("[data-cancel]").focus(); } },
        t("resident.cancel_no")));
    actions.append(h("button", { type: "button", class: "btn btn-secondary", "data-cancel": true,
      "aria-describedby": headingId,
      onclick: () => { confirmBox.hidden = false; confirmBox.querySelector(".btn-danger").focus(); } },
    t("resident.cancel")), confirmBox);
  }
  const next = againTime(r.time);
  actions.append(h("button", { type: "button", class: "btn btn-primary", "data-again": true,
    "aria-describedby": headingId, onclick: () => bookAgain(r.id, next) },
  t("resident.again", { when: fmtWhen(next) })));

  const facts = h("dl", { class: "facts" },
    detail("resident.when", `${fmtWhen(r.time)} (${t(`time_mode.${r.time_mode}`)})`),
    detail("resident.from", r.pickup?.address || "–"));
  if (r.planned_pickup) facts.append(...detail("resident.planned_pickup", fmtTime(r.planned_pickup), "planned-pickup"));
  if (r.volunteer) facts.append(...detail("resident.volunteer", r.volunteer.first_name, "volunteer-name"));
  if (r.return_id) facts.append(...detail("resident.return", t("resident.return_booked")));

  return h("li", { class: `card state-${r.state}`, "data-request-id": r.id },
    h("h3", { id: headingId, text: title }),
    h("p", { class: "state", "data-state": r.state, text: stateText(r) }),
    facts,
    r.reason ? h("p", { class: "reason", text: r.reason.text || "" }) : null,
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

function render() {
  const pending = outbox().filter((x) => x.path.startsWith("/requests"));
  const items = sortRequests([...requests.values()]);
  list.replaceChildren(...pending.map(pendingCard), ...items.map(requestCard));
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
  if (r.volunteer) parts.push(t("resident.update_volunteer", { name: r.volunteer.first_name }));
  announce("trips-live", parts.join(" "));
}

async function cancel(id) {
  try {
    const data = await api("POST", `/requests/${id}/cancel`, {});
    upsert(data.request || data);
    render();
    toast(t("resident.cancelled"), "ok");
    announce("trips-live", t("resident.cancelled"));
  } catch (err) {
    toast(errorText(err), "error");
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
    toast(t("resident.booked"), "ok");
    announceUpdate(r);
  }
  render();
}

async function bookAgain(id, time) {
  try {
    showBooked(await postOrQueue(`/requests/${id}/again`, { time }));
  } catch (err) {
    toast(err.message || errorText(err), "error");
  }
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const k = kind === "escort" ? form.querySelector('[name="kind"]:checked')?.value : "ride";
  const body = booking.payload(k || "ride");
  if (!body) return;
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const data = await postOrQueue("/requests", body);
    closeBooking();
    showBooked(data);
    document.getElementById("trips-h").focus();
  } catch (err) {
    booking.showServerErrors(err);
  } finally {
    button.disabled = false;
  }
});

document.getElementById("act-ride").addEventListener("click", () => openBooking("ride"));
document.getElementById("act-escort").addEventListener("click", () => openBooking("escort"));
document.getElementById("act-trips").addEventListener("click", () => {
  closeBooking();
  const heading = document.getElementById("trips-h");
  heading.scrollIntoView({ block: "start" });
  heading.focus();
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
      upsert(r);
      render();
      if (!before || before.state !== r.state || before.volunteer?.id !== r.volunteer?.id ||
          before.planned_pickup !== r.planned_pickup) announceUpdate(r);
    },
  });
}

main();
