// Shared by every page: translations, API calls with the CSRF header, the live socket,
// the offline booking queue, toasts, times and the address autocomplete.

export const LANGUAGES = ["de", "en", "tr", "ar", "pl"];
const RTL = new Set(["ar"]);
const LANG_KEY = "dispatch.lang";
const OUTBOX_KEY = "dispatch.outbox";
const ME_KEY = "dispatch.me"; // who was logged in last: offline, their queue stays theirs
const LOGOUT_KEY = "dispatch.logout_pending"; // logged out offline: the server is told later
export const HOME_BY_ROLE = {
  resident: "/app/resident", volunteer: "/app/volunteer", coordinator: "/app/board",
  admin: "/app/board",
};

// ---------------------------------------------------------------- translations
let lang = document.documentElement.lang || "de";
let strings = {};
let fallback = {};
const langListeners = [];

async function fetchCatalogue(code) {
  const resp = await fetch(`/static/i18n/${code}.json`);
  if (!resp.ok) throw new Error(`i18n ${code}: ${resp.status}`);
  return resp.json();
}

/** The text of `key` in the current language, `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  let text = strings[key] ?? fallback[key];
  if (text === undefined) {
    console.error(`missing translation: ${key}`);
    text = `[${key}]`;
  }
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function currentLang() { return lang; }

/** Whether `key` has a translation (for values from the server, such as stop states). */
export function has(key) { return key in strings || key in fallback; }

/** `t(key)` when it exists, else `other` (a raw value from the server). */
export function tOr(key, other) { return has(key) ? t(key) : other; }

/** Apply data-i18n (text) and data-i18n-attr (attribute:key pairs, split by ";") under root. */
export function applyTranslations(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-attr]").forEach((el) => {
    el.dataset.i18nAttr.split(";").forEach((pair) => {
      const [attr, key] = pair.split(":");
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    });
  });
}

/** Switch the page to `code`: load strings, set lang/dir, re-translate, tell listeners. */
export async function setLanguage(code, { save = true } = {}) {
  if (!LANGUAGES.includes(code)) code = "de";
  const [cat, base] = await Promise.all([
    fetchCatalogue(code), code === "de" ? null : fetchCatalogue("de"),
  ]);
  strings = cat;
  fallback = base || cat;
  lang = code;
  document.documentElement.lang = code;
  document.documentElement.dir = RTL.has(code) ? "rtl" : "ltr";
  localStorage.setItem(LANG_KEY, code);
  document.cookie = `lang=${code}; path=/; max-age=31536000; samesite=lax`;
  const select = document.getElementById("lang-select");
  if (select) select.value = code;
  applyTranslations();
  langListeners.forEach((fn) => fn(code));
  if (save && me) {
    try {
      me = await api("PATCH", "/me", { ui_language: code });
      me = me.person || me;
    } catch (err) { /* kept locally; saved next time */ }
  }
}

export function onLanguageChange(fn) { langListeners.push(fn); }

/** "Hallo <first name>" in the page's greeting, kept in the chosen language. */
export function greet(person, key) {
  const greeting = document.getElementById("greeting");
  if (!person || !greeting) return;
  greeting.removeAttribute("data-i18n");
  greeting.textContent = t(key, { name: person.first_name });
}

// ---------------------------------------------------------------- API
export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || "http_" + status;
    this.fields = err.fields || {};
    this.fieldCodes = err.field_codes || {};
    this.details = err.details || {};
  }
}

export class OfflineError extends Error {}

let csrfToken = null;

async function csrf(refresh = false) {
  if (csrfToken && !refresh) return csrfToken;
  const resp = await fetch("/api/v1/auth/csrf", { credentials: "same-origin" });
  if (!resp.ok) throw new ApiError(resp.status, await safeJson(resp));
  csrfToken = (await resp.json()).csrf_token;
  return csrfToken;
}

async function safeJson(resp) {
  try { return await resp.json(); } catch { return null; }
}

/** Call `/api/v1<path>`; throws ApiError on an error answer, OfflineError with no network. */
export async function api(method, path, body, { retry = true, headers: extra = {} } = {}) {
  const headers = { Accept: "application/json", ...extra };
  const opts = { method, credentials: "same-origin", headers };
  if (method !== "GET" && method !== "HEAD") {
    try { headers["X-CSRFToken"] = await csrf(); } catch (err) {
      if (err instanceof TypeError) throw new OfflineError(String(err));
      throw err;
    }
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(`/api/v1${path}`, opts);
  } catch (err) {
    throw new OfflineError(String(err));
  }
  if (resp.headers.get("X-From-Cache") === "1") {
    // the service worker answered from its copy: the server cannot be reached right now
    const banner = document.getElementById("net-status");
    if (banner) banner.hidden = false;
  }
  const data = await safeJson(resp);
  if (!resp.ok) {
    const code = data && data.error && data.error.code;
    if (retry && (resp.status === 400 || resp.status === 403) && /csrf/i.test(code || "")) {
      await csrf(true);
      return api(method, path, body, { retry: false, headers: extra });
    }
    if (resp.status === 503 && data && data.offline) throw new OfflineError("offline");
    throw new ApiError(resp.status, data);
  }
  if (data && data.csrf_token) csrfToken = data.csrf_token; // a new session after logging in
  return data;
}

// ---------------------------------------------------------------- the person
export let me = null;

/**
 * Load the logged-in person. With `require`, a 401 sends the browser to the login page.
 * Returns null when not logged in or the server cannot be reached.
 */
export async function loadMe({ require = true } = {}) {
  try {
    const data = await api("GET", "/me");
    me = data.person || data;
    localStorage.setItem(ME_KEY, JSON.stringify({ id: me.id }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      localStorage.removeItem(ME_KEY);
      if (require) {
        const next = encodeURIComponent(location.pathname);
        location.assign(`/login?next=${next}`);
      }
    } else if (err instanceof OfflineError) {
      const banner = document.getElementById("net-status");
      if (banner) banner.hidden = false;
      try { me = JSON.parse(localStorage.getItem(ME_KEY) || "null"); } catch { me = null; }
      showQueued(); // what this person queued stays shown while there is no connection
    }
    return null;
  }
  document.getElementById("logout")?.removeAttribute("hidden");
  showOwnOffice(me.quarter);
  showQueued();
  if (me.quarter) setTimeout(loadLocalIndex, 1500); // kept for searching offline
  const explicit = new URLSearchParams(location.search).get("lang");
  if (explicit && LANGUAGES.includes(explicit)) {
    if (me.ui_language !== explicit) await setLanguage(explicit, { save: true });
  } else if (me.ui_language && me.ui_language !== lang) {
    await setLanguage(me.ui_language, { save: false });
  }
  return me;
}

// ---------------------------------------------------------------- the quarter office
function quarterSlugOf(q) { return q && typeof q === "object" ? q.slug : q || ""; }

/** Show only the office of `quarter` in the page's footer (all of them when unknown). */
export function showOwnOffice(quarter) {
  const slug = quarterSlugOf(quarter);
  const items = [...document.querySelectorAll("[data-office-quarter]")];
  if (!slug || !items.some((li) => li.dataset.officeQuarter === slug)) return;
  items.forEach((li) => { li.hidden = li.dataset.officeQuarter !== slug; });
}

/** `{name, phone, tel}` of the person's quarter office (from the page's footer), or null. */
export function office(quarter = me?.quarter) {
  const slug = quarterSlugOf(quarter);
  const items = [...document.querySelectorAll("[data-office-quarter]")];
  const li = items.find((x) => x.dataset.officeQuarter === slug) || (items.length === 1 ? items[0] : null);
  const a = li?.querySelector("a[href^='tel:']");
  if (!a) return null;
  return { name: a.dataset.officeName || "", phone: a.dataset.officePhone,
    tel: a.getAttribute("href") };
}

/** The `tel:` URL of a phone number as people write it ("0231 123456"). */
export function telUrl(phone) {
  return `tel:${String(phone || "").replace(/[^\d+]/g, "")}`;
}

/** A big "Anrufen: <who> <number>" link (tel:), built from text only. */
export function callLink(phone, who, cls = "btn btn-secondary call-link") {
  return h("a", { class: cls, href: telUrl(phone) },
    h("span", { text: t("common.call") }), " ", who ? h("span", { text: who }) : null, who ? " " : null,
    h("bdi", { class: "phone", dir: "ltr", text: phone }));
}

/** Log out. What this person still had waiting is dropped (they were asked first, see
 * `wireLogout`); what other people queued on this phone stays for them. */
export async function logout() {
  const mine = me ? me.id : null;
  try {
    await api("POST", "/auth/logout", {});
  } catch {
    // leave anyway; without a connection the server still has the session: the next start
    // with a connection ends it (finishLogout), so the next person is not logged in as this one
    if (mine != null) localStorage.setItem(LOGOUT_KEY, String(mine));
  }
  localStorage.removeItem(ME_KEY);
  if (navigator.serviceWorker?.controller) {
    navigator.serviceWorker.controller.postMessage({ type: "logout" });
  }
  // items without an owner can never be sent by anyone: they go too
  saveOutbox(outbox().filter((x) => x.person != null && x.person !== mine));
  me = null;
  location.assign("/");
}

// ---------------------------------------------------------------- toasts and helpers
export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const el = document.createElement("p");
  el.className = `toast toast-${kind}`;
  el.dir = "auto"; // a German server text on an Arabic page keeps its full stop on the right side
  el.textContent = message;
  box.append(el);
  setTimeout(() => el.remove(), 6000);
}

/** Say `message` in the aria-live region `id` (screen readers), replacing what was there. */
export function announce(id, message) {
  const el = document.getElementById(id);
  if (!el) return;
  el.textContent = "";
  setTimeout(() => { el.textContent = message; }, 50);
}

/** Create an element: h("p", {class: "x", text: "..."}, child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * What the server said, in the page's language. German pages show the server's own (German,
 * specific) sentence; other languages show the translation of its stable code: the reason
 * (``reason.<code>``, from ``details.reason``) or the error code (``server.<code>``), and the
 * generic message for the status when the code is unknown.
 */
export function serverMessage(err) {
  if (!(err instanceof ApiError)) return errorText(err);
  const real = err.message && !/^HTTP \d+$/.test(err.message);
  if (lang === "de" && real) return err.message;
  const existing = err.code === "likely_duplicate" && err.details && err.details.existing;
  if (existing) {  // which ride is booked already, in the page's words
    return t("booking.duplicate_of", { when: fmtWhen(existing.time), pickup: existing.pickup,
      dropoff: existing.dropoff });
  }
  const reason = err.details && err.details.reason;
  if (reason && has(`reason.${reason}`)) return t(`reason.${reason}`);
  if (has(`server.${err.code}`)) return t(`server.${err.code}`);
  return errorText(err);
}

/** A request's reason (why it cannot be served) in the page's language. */
export function reasonText(reason) {
  if (!reason) return "";
  if (lang === "de" && reason.text) return reason.text;
  return has(`reason.${reason.code}`) ? t(`reason.${reason.code}`) : reason.text || reason.code || "";
}

/** The server's message for each refused field, in the page's language: `{name: text}`.
 * German pages show the server's words; others `field.<code>` with the parameters the API
 * sends beside them (a nested field such as `pickup.address` counts for `pickup`). */
export function fieldMessages(err) {
  const out = {};
  if (!(err instanceof ApiError)) return out;
  const german = (msg) => (typeof msg === "string" ? msg : Object.values(msg || {}).map(german).join(" "));
  for (const [name, msg] of Object.entries(err.fields)) {
    const text = lang === "de" ? german(msg) : Object.entries(err.fieldCodes)
      .filter(([key, c]) => (key === name || key.startsWith(`${name}.`)) && has(`field.${c.code}`))
      .map(([, c]) => t(`field.${c.code}`, c.params)).join(" ");
    out[name] = text || t("server.validation_error");
  }
  return out;
}

/** Show each refused field's message under its input (`inputs`: API name -> element) and
 * return the form's message: what went wrong, then the messages no input could show, each
 * after the label of its field. */
export function markFields(err, inputs = {}) {
  const rest = [];
  for (const [name, text] of Object.entries(fieldMessages(err))) {
    const el = inputs[name];
    if (el && document.getElementById(`${el.id}-error`)) { fieldError(el, text); continue; }
    const label = el?.labels?.[0]?.textContent.trim().replace(/[:*]$/, "");
    rest.push(label ? `${label}: ${text}` : text);
  }
  return [serverMessage(err), ...rest].join(" ");
}

export function errorText(err) {
  if (err instanceof OfflineError) return t("common.no_connection");
  if (err instanceof ApiError) {
    if (err.status === 409) return t("error.conflict");
    if (err.status === 403) return t("error.forbidden");
    if (err.status === 404) return t("error.not_found");
    if (err.status === 422) return t("error.check_fields");
    if (err.status >= 500) return t("error.server");
  }
  return t("error.generic");
}

// ---------------------------------------------------------------- times
function pad(n) { return String(n).padStart(2, "0"); }

/** Local ISO date-time without offset, as the API wants it. */
export function isoLocal(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:00`;
}

export function isoDay(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function parseLocal(iso) {
  if (!iso) return null;
  const d = new Date(iso.length <= 10 ? `${iso}T00:00:00` : iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

// Western digits in Arabic too, as on the signs and the time choice in Dortmund.
const LOCALES = { de: "de-DE", en: "en-GB", tr: "tr-TR", ar: "ar-u-nu-latn", pl: "pl-PL" };

export function fmtTime(iso) {
  const d = parseLocal(iso);
  if (!d) return "–";
  return new Intl.DateTimeFormat(LOCALES[lang] || "de-DE",
    { hour: "2-digit", minute: "2-digit", hour12: false }).format(d);
}

/** "heute, 10:30", "morgen, 10:30" or "Mi., 2. Dez., 10:30". */
export function fmtWhen(iso) {
  const d = parseLocal(iso);
  if (!d) return "–";
  const today = new Date();
  const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
  let day;
  if (isoDay(d) === isoDay(today)) day = t("time.today");
  else if (isoDay(d) === isoDay(tomorrow)) day = t("time.tomorrow");
  else {
    day = new Intl.DateTimeFormat(LOCALES[lang] || "de-DE",
      { weekday: "short", day: "numeric", month: "short" }).format(d);
  }
  return t("time.day_at", { day, time: fmtTime(iso) });
}

/** A service day as a date people read: "Mi., 2. Dez." */
export function fmtDay(iso) {
  const d = parseLocal(String(iso || "").slice(0, 10));
  if (!d) return "–";
  return new Intl.DateTimeFormat(LOCALES[lang] || "de-DE",
    { weekday: "short", day: "numeric", month: "short" }).format(d);
}

export function fmtCountdown(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

// ---------------------------------------------------------------- offline queue
// Writes made without a connection (bookings, cancellations, stop reports) wait on the phone,
// each with its own Idempotency-Key, and are sent in order when the connection returns: a
// replay after a lost answer books nothing twice. Each item belongs to the person who made it.
const outboxListeners = [];

export function outbox() {
  try { return JSON.parse(localStorage.getItem(OUTBOX_KEY) || "[]"); } catch { return []; }
}

/** The waiting items of the logged-in person (others' items are never shown or sent). */
export function myOutbox(kind = null) {
  return outbox().filter((x) => me && x.person === me.id && (!kind || (x.kind || "booking") === kind));
}

function saveOutbox(items) {
  localStorage.setItem(OUTBOX_KEY, JSON.stringify(items));
  outboxListeners.forEach((fn) => fn(items));
  showQueued();
}

export function onOutboxChange(fn) { outboxListeners.push(fn); }

/** A fresh idempotency key for one write. */
export function newKey() {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID();
  return `k-${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/**
 * Keep a write on the phone until it can be sent. `kind` is "booking", "cancel" or "stop";
 * `ref` the request or stop it is about; `key` the Idempotency-Key (kept across replays).
 */
export function enqueue(path, body, { kind = "booking", ref = null, key = newKey() } = {}) {
  const item = { id: `local-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`, path, body,
    kind, ref, key, person: me ? me.id : null, created: new Date().toISOString() };
  saveOutbox([...outbox(), item]);
  return item;
}

let flushing = false;

/** Send what is waiting; stops at the first network failure, drops refused items. */
export async function flushOutbox() {
  if (flushing || !me) return;
  flushing = true;
  try {
    for (const item of myOutbox()) {
      try {
        const data = await api("POST", item.path, item.body,
          { headers: { "Idempotency-Key": item.key || item.id } });
        saveOutbox(outbox().filter((x) => x.id !== item.id));
        toast(t("offline.sent"), "ok");
        document.dispatchEvent(new CustomEvent("outbox:sent", { detail: { item, data } }));
      } catch (err) {
        if (err instanceof OfflineError || (err instanceof ApiError && err.status === 401)) break;
        saveOutbox(outbox().filter((x) => x.id !== item.id));
        toast(`${t("offline.refused")} ${serverMessage(err)}`, "error");
        document.dispatchEvent(new CustomEvent("outbox:refused", { detail: { item, err } }));
      }
    }
  } finally {
    flushing = false;
  }
}

/** POST a write; with no connection it is queued and `{queued: item}` is returned. The same
 * key goes with the first try and any replay, so a booking whose answer was lost is not
 * booked again. */
export async function postOrQueue(path, body, { kind = "booking", ref = null } = {}) {
  const key = newKey();
  if (!navigator.onLine) return { queued: enqueue(path, body, { kind, ref, key }) };
  try {
    return await api("POST", path, body, { headers: { "Idempotency-Key": key } });
  } catch (err) {
    if (err instanceof OfflineError) return { queued: enqueue(path, body, { kind, ref, key }) };
    throw err;
  }
}

onLanguageChange(() => showQueued());

/** "Wartet auf Verbindung (2): ..." under the connection banner: what is queued. */
function showQueued() {
  const el = document.getElementById("queued-status");
  if (!el) return;
  const items = myOutbox();
  el.hidden = items.length === 0;
  el.replaceChildren(h("strong", { text: t("offline.queued", { n: items.length }) }),
    h("ul", {}, items.map((x) => h("li", { "data-queued": x.kind, text: queuedText(x) }))));
}

function queuedText(item) {
  const b = item.body || {};
  if (item.kind === "cancel") return t("offline.queued_cancel");
  if (item.kind === "stop") {
    return t("offline.queued_stop", { action: t(`stop_action.${item.path.split("/").pop()}`) });
  }
  return b.dropoff ? t("offline.queued_booking", { to: b.dropoff.address, when: fmtWhen(b.time) })
    : t("resident.again_pending");
}

// ---------------------------------------------------------------- offline address search
// The person's quarter's addresses and places, kept by the service worker (GET
// /addresses/all): when the server cannot be reached the search runs over this list.
let localIndex = null;

const FOLD = { ä: "ae", ö: "oe", ü: "ue", ß: "ss", ı: "i" };

/** Lower case, umlauts folded, "Str." and "Straße" the same, words only. */
export function normalize(text) {
  return String(text || "").toLowerCase().replace(/[äöüßı]/g, (c) => FOLD[c])
    .replace(/stra(ss|s)e\b|str\b\.?/g, "strasse").replace(/[^0-9a-z]+/g, " ").trim();
}

function nearWord(q, w) {
  if (w.startsWith(q)) return true;
  if (q.length < 4) return false;
  // one typo (a letter wrong, missing or extra) within the start of the word
  const a = q;
  const b = w.slice(0, q.length + 1);
  let i = 0; let j = 0; let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { i += 1; j += 1; continue; }
    edits += 1;
    if (edits > 1) return false;
    if (a[i + 1] === b[j]) i += 1;
    else if (a[i] === b[j + 1]) j += 1;
    else { i += 1; j += 1; }
  }
  return edits + (a.length - i) <= 1;
}

/** Load (and so let the service worker keep) the quarter's address list. */
export async function loadLocalIndex() {
  if (localIndex) return localIndex;
  try {
    const data = await api("GET", "/addresses/all");
    localIndex = (data.results || []).map((x) => ({ ...x,
      // a place's kind words too ("apotheke"): found by what it is, not only by its name
      words: normalize(`${x.label} ${x.district || ""} ${x.street || ""} ${x.search || ""}`)
        .split(" ") }));
  } catch {
    localIndex = null;
  }
  return localIndex;
}

/** Search the kept list: every typed word must start a word of the entry (one typo allowed). */
export function searchLocal(index, text, limit = 8) {
  const q = normalize(text).split(" ").filter(Boolean);
  if (!q.length || !index) return [];
  const hits = index.filter((x) => q.every((w) => x.words.some((v) => nearWord(w, v))));
  const first = q[0];
  hits.sort((a, b) => (b.words[0].startsWith(first) - a.words[0].startsWith(first)) ||
    (a.label.length - b.label.length));
  return hits.slice(0, limit);
}

/** The line under a place's suggestion (a doctor, a pharmacy): its street and district. */
export function placeDetail(item) {
  if (!item.street) return "";
  return [item.street, item.district].filter(Boolean).join(" · ");
}

// ---------------------------------------------------------------- live socket
export let socket = null;

/** Connect to Socket.IO on the same origin; `handlers` maps event names to functions. */
export function connectSocket(handlers) {
  if (!window.io) return null;
  socket = window.io({ withCredentials: true, reconnectionDelayMax: 10000 });
  for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);
  socket.on("connect", () => { document.body.dataset.live = "on"; flushOutbox(); });
  socket.on("disconnect", () => { document.body.dataset.live = "off"; });
  // after the face's own snapshot handler: the page shows what the server knows
  socket.on("snapshot", () => { document.body.dataset.synced = "on"; });
  return socket;
}

// ---------------------------------------------------------------- connection banner
function showNet() {
  const el = document.getElementById("net-status");
  if (el) el.hidden = navigator.onLine;
}

// ---------------------------------------------------------------- address autocomplete
/**
 * Turn `input` (role=combobox) into an address search over `GET /addresses?q=`.
 * `onPick({label, lat, lon})` is called when a suggestion is chosen.
 */
export function addressAutocomplete(input, onPick) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  let items = [];
  let active = -1;
  let timer = null;
  let seq = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function highlight(i) {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    if (i >= 0) input.setAttribute("aria-activedescendant", list.children[i].id);
  }
  function pick(i) {
    const item = items[i];
    if (!item) return;
    input.value = item.label;
    input.dataset.lat = item.lat;
    input.dataset.lon = item.lon;
    input.dataset.label = item.label;
    close();
    onPick?.(item);
  }
  async function search() {
    const q = input.value.trim();
    delete input.dataset.lat;
    delete input.dataset.lon;
    if (q.length < 2) { close(); return; }
    const mine = ++seq;
    let found = null;
    try {
      if (navigator.onLine) found = await api("GET", `/addresses?q=${encodeURIComponent(q)}&limit=8`);
    } catch (err) {
      found = err instanceof OfflineError ? null : [];
    }
    if (found === null) found = searchLocal(await loadLocalIndex(), q); // no connection
    if (mine !== seq) return;
    items = Array.isArray(found) ? found : (found.results || []);
    list.replaceChildren(...items.map((item, i) => h("li", {
      id: `${input.id}-opt-${i}`, role: "option", "aria-selected": "false", class: "suggestion",
      onmousedown: (e) => { e.preventDefault(); pick(i); },
      onclick: () => pick(i),
    }, h("span", { class: "label", text: item.label }),
    placeDetail(item) ? h("span", { class: "detail", text: placeDetail(item) }) : null)));
    if (!items.length) {
      list.append(h("li", { class: "suggestion none", role: "option", "aria-disabled": "true",
        "aria-selected": "false", id: `${input.id}-opt-none` }, t("booking.no_match")));
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  input.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); pick(active); }
    else if (e.key === "Escape") close();
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  return {
    set(place) {
      input.value = place?.address || place?.label || "";
      if (place && place.lat != null) {
        input.dataset.lat = place.lat; input.dataset.lon = place.lon;
        input.dataset.label = input.value;
      }
    },
  };
}

/** `{address, lat, lon}` from an autocomplete input, or null if none was chosen. */
export function placeOf(input) {
  if (!input || !input.value.trim()) return null;
  if (input.dataset.lat === undefined || input.dataset.label !== input.value) return null;
  return { address: input.value, lat: Number(input.dataset.lat), lon: Number(input.dataset.lon) };
}

/** Show or hide the field error next to `input`. */
export function fieldError(input, message) {
  const el = document.getElementById(`${input.id}-error`);
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

// ---------------------------------------------------------------- booking form (shared)
/**
 * Wire the shared booking fields inside `form` (prefix `p`) and return helpers.
 * `home()` gives the person's home `{address, lat, lon}` or null.
 */
export function bookingForm(form, p, home) {
  const pickupInput = form.querySelector(`#${p}pickup`);
  const dropoffInput = form.querySelector(`#${p}dropoff`);
  const dateField = form.querySelector("[data-date-field]");
  const returnField = form.querySelector("[data-return-field]");
  const pickupOther = form.querySelector("[data-pickup-other]");
  const pickupWarn = form.querySelector(`#${p}pickup-warn`);
  // a pick-up outside the person's quarter is said at once (the office decides if it is possible)
  const pickupAc = addressAutocomplete(pickupInput, (place) => {
    const own = quarterSlugOf(me?.quarter);
    const ownName = document.querySelector(`[data-office-quarter="${own}"]`)?.dataset.quarterName || own;
    const outside = Boolean(own) && place.quarter !== own;
    pickupWarn.textContent = outside ? t("booking.pickup_outside", { quarter: ownName }) : "";
    pickupWarn.hidden = !outside;
  });
  pickupInput.addEventListener("input", () => { pickupWarn.hidden = true; });
  addressAutocomplete(dropoffInput);
  const dateInput = form.querySelector(`#${p}date`);
  dateInput.min = isoDay(new Date());

  form.querySelectorAll(`[name="${p}day"]`).forEach((r) => r.addEventListener("change", () => {
    dateField.hidden = checked("day") !== "date";
  }));
  form.querySelectorAll(`[name="${p}from"]`).forEach((r) => r.addEventListener("change", () => {
    const other = form.querySelector(`[name="${p}from"][value="other"]`).checked;
    pickupOther.hidden = !other;
    if (other) pickupInput.focus();
  }));
  const returnSwitch = form.querySelector(`#${p}return`);
  returnSwitch.addEventListener("change", () => { returnField.hidden = !returnSwitch.checked; });

  function checked(name) {
    const el = form.querySelector(`[name="${p}${name}"]:checked`);
    return el ? el.value : null;
  }

  /** The API body, or null after marking the fields that need attention. */
  function payload(kind) {
    const errors = [];
    const fromHome = checked("from") === "home";
    const pickup = fromHome ? home() : placeOf(pickupInput);
    if (!pickup) {
      if (fromHome) errors.push(t("booking.no_home"));
      else { fieldError(pickupInput, t("booking.pick_suggestion")); errors.push(""); }
    } else if (!fromHome) fieldError(pickupInput, "");
    const dropoff = placeOf(dropoffInput);
    if (!dropoff) { fieldError(dropoffInput, t("booking.pick_suggestion")); errors.push(""); }
    else fieldError(dropoffInput, "");
    const day = checked("day");
    const now = new Date();
    let date;
    if (day === "today") date = now;
    else if (day === "tomorrow") date = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    else date = dateInput.value ? new Date(`${dateInput.value}T00:00:00`) : null;
    const timeInput = form.querySelector(`#${p}time`);
    const [hh, mm] = (timeInput.value || "").split(":").map(Number);
    let when = null;
    if (date && Number.isFinite(hh)) {
      when = new Date(date.getFullYear(), date.getMonth(), date.getDate(), hh, mm || 0);
    }
    if (!when) { fieldError(timeInput, t("booking.need_time")); errors.push(""); }
    else if (when < now) { fieldError(timeInput, t("booking.time_past")); errors.push(""); }
    else fieldError(timeInput, "");
    const formError = form.querySelector("[data-form-error]");
    const msgs = errors.filter(Boolean);
    formError.textContent = errors.length ? (msgs[0] || t("error.check_fields")) : "";
    formError.hidden = !errors.length;
    if (errors.length) {
      form.querySelector("[aria-invalid=true]")?.focus();
      return null;
    }
    const body = {
      kind: kind || checked("kind") || "ride",
      pickup, dropoff,
      time_mode: checked("time_mode"),
      time: isoLocal(when),
      passengers: Number(form.querySelector(`#${p}passengers`)?.value || 1),
      mobility_aids: [...form.querySelectorAll(`[name="${p}aid"]:checked`)].map((el) => el.value),
    };
    const wishes = form.querySelector("[data-ride-wishes]");
    if (wishes && !wishes.hidden) {
      const ticked = [...form.querySelectorAll(`[name="${p}ride-lang"]:checked`)].map((el) => el.value);
      body.languages = [...new Set([...ticked, ...otherLanguages])];
      body.same_gender = form.querySelector(`#${p}ride-same`).value;
    }
    const purpose = form.querySelector(`#${p}purpose`)?.value;
    if (purpose) body.purpose = purpose;
    if (returnSwitch.checked) body.return_after_minutes = Number(form.querySelector(`#${p}return-after`).value);
    const other = form.querySelector(`#${p}aid-other`)?.value.trim();
    const notes = [other ? `${t("need.other")}: ${other}` : "",
      form.querySelector(`#${p}notes`).value.trim()].filter(Boolean).join(". ");
    if (notes) body.notes = notes;
    return body;
  }

  /** Put the server's field messages next to the fields (`extra`: more fields of the page). */
  function showServerErrors(err, extra = {}) {
    const inputs = { pickup: pickupInput, dropoff: dropoffInput, time: form.querySelector(`#${p}time`),
      passengers: form.querySelector(`#${p}passengers`), notes: form.querySelector(`#${p}notes`), ...extra };
    const formError = form.querySelector("[data-form-error]");
    formError.dir = "auto";
    formError.textContent = markFields(err, inputs);
    formError.hidden = false;
  }

  function reset() {
    form.reset();
    pickupOther.hidden = true;
    dateField.hidden = true;
    returnField.hidden = true;
    form.querySelectorAll(".error").forEach((el) => { el.hidden = true; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    pickupAc.set(null);
    pickupWarn.hidden = true;
  }

  /** Languages of the profile that have no box here: they go with the ride unchanged. */
  let otherLanguages = [];

  /**
   * Fill in what the person's profile says (aids, languages, same-gender wish); they can
   * change it for this ride. `profile` null: the defaults of the form.
   */
  function setProfile(profile) {
    const tick = (name, values) => {
      const wanted = new Set(values);
      const boxes = [...form.querySelectorAll(`[name="${p}${name}"]`)];
      boxes.forEach((el) => { el.checked = wanted.has(el.value); });
      return values.filter((v) => !boxes.some((el) => el.value === v));
    };
    tick("aid", profile?.mobility_aids || []);
    otherLanguages = tick("ride-lang", profile?.languages?.length ? profile.languages : ["de"]);
    form.querySelector(`#${p}ride-same`).value = profile?.same_gender || "none";
  }

  /** Show or hide the ride's wishes (hidden: the new profile's wishes are the ride's). */
  function showWishes(shown) {
    const wishes = form.querySelector("[data-ride-wishes]");
    if (wishes) wishes.hidden = !shown;
  }

  return { payload, showServerErrors, reset, setProfile, showWishes };
}

/** Show the home address in the form's "from home" option. */
export function showHome(form, home) {
  form.querySelectorAll("[data-home-address]").forEach((el) => {
    el.textContent = home ? `(${home.address})` : "";
  });
}

// ---------------------------------------------------------------- service worker and start-up
export function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err) => {
    console.warn("service worker not registered", err);
  });
}

/** End on the server a log-out made without a connection: only while the server still has
 * that person logged in (someone else may have logged in on this phone since). */
async function finishLogout() {
  const pending = localStorage.getItem(LOGOUT_KEY);
  if (!pending || !navigator.onLine) return;
  try {
    const data = await api("GET", "/me");
    if (String((data.person || data).id) === pending) await api("POST", "/auth/logout", {});
    localStorage.removeItem(LOGOUT_KEY);
  } catch (err) {
    if (err instanceof ApiError) localStorage.removeItem(LOGOUT_KEY); // 401: nobody is logged in
  }
}

/** In the log-out box: what this person has not sent yet and that logging out would drop. */
function showUnsent(box) {
  const el = box.querySelector("#logout-unsent");
  if (!el) return;
  const items = myOutbox();
  el.hidden = items.length === 0;
  el.replaceChildren(...(items.length ? [
    h("p", { class: "unsent-head", text: t("logout.unsent", { n: items.length }) }),
    h("ul", {}, items.map((x) => h("li", { "data-unsent": x.kind, text: queuedText(x) }))),
    h("p", { class: "unsent-lost", text: t("logout.unsent_lost") })] : []));
}

/** "Abmelden": asked first when the person would lose something: a resident her one-time
 * code (a new one comes from the office), anyone what is still waiting to be sent. */
function wireLogout() {
  const button = document.getElementById("logout");
  const box = document.getElementById("logout-confirm");
  if (!button) return;
  button.addEventListener("click", () => {
    const resident = me?.role === "resident";
    if (!box || (!resident && myOutbox().length === 0)) { logout(); return; }
    const explain = box.querySelector(".explain");
    if (explain) explain.hidden = !resident;
    const o = office();
    if (resident && o && explain && !box.querySelector(".call-link")) explain.after(callLink(o.phone, o.name));
    showUnsent(box);
    box.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.getElementById("logout-no")?.focus();
  });
  // sent meanwhile (the connection came back) or another language: the box says so
  onOutboxChange(() => { if (box && !box.hidden) showUnsent(box); });
  onLanguageChange(() => { if (box && !box.hidden) showUnsent(box); });
  document.getElementById("logout-yes")?.addEventListener("click", logout);
  document.getElementById("logout-no")?.addEventListener("click", () => {
    box.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  });
}

/** Common start-up for every page: language, switcher, banner, service worker, queue. */
export async function boot() {
  const params = new URLSearchParams(location.search);
  const wanted = params.get("lang") || localStorage.getItem(LANG_KEY) || lang;
  try {
    await setLanguage(LANGUAGES.includes(wanted) ? wanted : "de", { save: false });
  } catch (err) {
    console.warn("translations not loaded", err);
  }
  document.getElementById("lang-select")?.addEventListener("change", (e) => {
    setLanguage(e.target.value, { save: true });
  });
  await finishLogout();
  wireLogout();
  document.getElementById("retry")?.addEventListener("click", () => location.reload());
  window.addEventListener("online", () => { showNet(); finishLogout(); flushOutbox(); });
  window.addEventListener("offline", showNet);
  showNet();
  registerServiceWorker();
  setInterval(() => { if (outbox().length && navigator.onLine) flushOutbox(); }, 15000);
}

if (document.body.dataset.face === "offline") boot();
