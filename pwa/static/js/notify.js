// How a person hears from us (issue 13): the channels in order, quiet hours and, for a
// resident, copies to a caregiver with her consent. The fields come from _notify.html; the
// resident and volunteer apps save the person's own settings (PUT /me/notifications), the
// board a resident's (PUT /residents/<id>/notifications).
import { ApiError, api, currentLang, fieldMessages, fmtWhen, h, serverMessage, t, toast } from "./app.js";

/** Every channel the API offers, in the order it uses when a person has chosen none. */
export const CHANNELS = ["push", "sms", "email"];
const CHANNEL_TEXT = {
  push: { name: "notify.ch_push", hint: "notify.ch_push_hint" },
  sms: { name: "notify.ch_sms", hint: "notify.ch_sms_hint" },
  email: { name: "notify.ch_email", hint: "notify.ch_email_hint" },
};
// what the server's field names are called here (ids after the prefix)
const FIELD_IDS = {
  quiet_from: "quiet-from", quiet_until: "quiet-until", caregiver_name: "cg-name",
  caregiver_phone: "cg-phone", caregiver_email: "cg-email", caregiver_copies: "cg-copies",
};

/** A form that cannot be sent as it is (nothing asked of the server). */
export class Incomplete extends Error {}

function channelName(c) { return CHANNEL_TEXT[c] ? t(CHANNEL_TEXT[c].name) : c; }

/** "+49 171 234-5678" as the API wants it: "+491712345678" (spaces, dashes, brackets go). */
function plainPhone(text) { return String(text || "").trim().replace(/[\s\-/().]/g, ""); }

/**
 * Wire the fields with id prefix `p` under `root` and return what the page needs:
 * `show(prefs, ownerId)`, `payload()`, `changed()`, `save(path)`, `clearErrors()`.
 * `caregiver` says whether the caregiver fields are there (residents only).
 */
export function notifySettings(root, p, { caregiver = false } = {}) {
  const $ = (id) => root.querySelector(`#${p}${id}`);
  const list = $("channels");
  const from = $("quiet-from");
  const until = $("quiet-until");
  let order = [...CHANNELS];
  let on = new Set(CHANNELS);
  let shown = null; // the settings as last loaded or saved
  let owner = null; // the person's id (whose consent it is)
  let loaded = false;

  /** Until the person's settings are there, nothing can be changed (nor overwritten). */
  function busy(on) {
    root.querySelectorAll("fieldset.notify-set").forEach((f) => { f.disabled = on; });
    if (on) delete list.dataset.loaded; else list.dataset.loaded = "true";
  }

  function errorEl(id) { return $(`${id}-error`); }

  function setError(id, message) {
    const el = errorEl(id);
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
    const input = id === "channels" ? null : $(id);
    if (!input) return;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function clearErrors() {
    ["channels", ...Object.values(FIELD_IDS)].forEach((id) => setError(id, ""));
    const formError = $("form-error");
    if (formError) { formError.textContent = ""; formError.hidden = true; }
  }

  function clearSaved() {
    const saved = $("saved");
    if (saved) saved.textContent = "";
  }

  // ------------------------------------------------------------ the channels, in order
  function renderChannels(focus) {
    const chosen = order.filter((c) => on.has(c));
    list.replaceChildren(...order.map((c, i) => {
      const pos = chosen.indexOf(c);
      const name = channelName(c);
      const box = h("input", { type: "checkbox", id: `${p}ch-${c}`, value: c, checked: on.has(c),
        "aria-describedby": `${p}ch-${c}-hint` });
      box.addEventListener("change", () => {
        if (box.checked) on.add(c); else on.delete(c);
        setError("channels", "");
        clearSaved();
        renderChannels({ channel: c, what: "box" });
      });
      const move = (step, what, arrow, key) => h("button", {
        type: "button", class: "btn btn-quiet move", [`data-${what}`]: c,
        disabled: (step < 0 && i === 0) || (step > 0 && i === order.length - 1),
        onclick: () => moveChannel(c, step, what),
      }, h("span", { "aria-hidden": "true", text: arrow }),
      h("span", { class: "visually-hidden", text: t(key, { channel: name }) }));
      return h("li", { class: "channel", "data-channel": c },
        h("label", { class: "radio", for: `${p}ch-${c}` }, box,
          h("span", {},
            h("span", { class: "channel-pos", "data-pos": true, text: pos >= 0 ? `${pos + 1}. ` : "" }),
            h("span", { class: "channel-name", text: name }),
            h("span", { class: "home-address", id: `${p}ch-${c}-hint`, text: t(CHANNEL_TEXT[c].hint) }))),
        h("span", { class: "channel-moves" },
          move(-1, "up", "↑", "notify.move_up"), move(1, "down", "↓", "notify.move_down")));
    }));
    if (!focus) return;
    const row = list.querySelector(`[data-channel="${focus.channel}"]`);
    let target = focus.what === "box" ? row.querySelector("input")
      : row.querySelector(`[data-${focus.what}]`);
    if (target.disabled) target = row.querySelector(`[data-${focus.what === "up" ? "down" : "up"}]`);
    target?.focus();
  }

  function moveChannel(c, step, what) {
    const i = order.indexOf(c);
    const j = i + step;
    if (j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j], order[i]];
    clearSaved();
    renderChannels({ channel: c, what });
    const live = $("channels-live");
    live.textContent = t("notify.moved", { channel: channelName(c), pos: j + 1 });
  }

  // ------------------------------------------------------------ consent
  function showConsent(cg) {
    const el = $("cg-consent");
    if (!el) return;
    if (cg?.copies && cg.consent_at) {
      const key = cg.consent_recorded_by === owner ? "notify.consent_at_app" : "notify.consent_at_office";
      el.textContent = t(key, { when: fmtWhen(cg.consent_at) });
    } else el.textContent = t("notify.consent_none");
  }

  /** Put `prefs` (the API's `{notifications}`) into the fields; `ownerId` is the person's id. */
  function show(prefs, ownerId = owner) {
    shown = prefs || {};
    owner = ownerId;
    loaded = true;
    busy(false);
    const chosen = (shown.channels || []).filter((c) => CHANNELS.includes(c));
    // none chosen: the server's default order, all of them
    order = chosen.length ? [...chosen, ...CHANNELS.filter((c) => !chosen.includes(c))] : [...CHANNELS];
    on = new Set(chosen.length ? chosen : CHANNELS);
    renderChannels();
    from.value = shown.quiet_from || "";
    until.value = shown.quiet_until || "";
    if (caregiver) {
      const cg = shown.caregiver || {};
      $("cg-name").value = cg.name || "";
      $("cg-phone").value = cg.phone || "";
      $("cg-email").value = cg.email || "";
      $("cg-copies").checked = Boolean(cg.copies);
      showConsent(cg);
    }
    clearErrors();
  }

  /** The API body, or null after marking what is missing (no channel chosen). */
  function payload() {
    const channels = order.filter((c) => on.has(c));
    if (!channels.length) {
      setError("channels", t("notify.need_channel"));
      return null;
    }
    const body = { channels, quiet_from: from.value || "", quiet_until: until.value || "" };
    if (caregiver) {
      body.caregiver_name = $("cg-name").value.trim();
      body.caregiver_phone = plainPhone($("cg-phone").value);
      body.caregiver_email = $("cg-email").value.trim();
      body.caregiver_copies = $("cg-copies").checked;
    }
    return body;
  }

  /** Whether the fields differ from what was loaded (the board saves only then). */
  function changed() {
    if (!loaded) return false;
    const now = payload();
    if (!now) return true;
    const was = shown || {};
    const cg = was.caregiver || {};
    const before = { channels: was.channels?.length ? was.channels : CHANNELS,
      quiet_from: was.quiet_from || "", quiet_until: was.quiet_until || "" };
    if (caregiver) {
      Object.assign(before, { caregiver_name: cg.name || "", caregiver_phone: cg.phone || "",
        caregiver_email: cg.email || "", caregiver_copies: Boolean(cg.copies) });
    }
    return JSON.stringify(now) !== JSON.stringify(before);
  }

  /** A field's message in the page's language: the server's own words on German pages;
   * `translated`: the message of the field's code (see `fieldMessages`). */
  function fieldText(name, msg, translated) {
    const text = typeof msg === "string" ? msg : Object.values(msg || {}).join(" ");
    if (currentLang() === "de" && text) return text;
    if (name === "quiet_from" || name === "quiet_until") return t("notify.error_quiet");
    if (name === "caregiver_phone") {
      return plainPhone($("cg-phone")?.value) ? t("notify.error_phone") : t("notify.error_contact");
    }
    if (name === "caregiver_email") return t("notify.error_email");
    if (name === "channels") return t("notify.error_channels");
    return translated || t("server.validation_error");
  }

  /** Put the server's messages next to the fields they are about. */
  function showErrors(err) {
    const fields = err instanceof ApiError ? err.fields || {} : {};
    const translated = fieldMessages(err);
    for (const [name, msg] of Object.entries(fields)) {
      let id = name === "channels" ? "channels" : FIELD_IDS[name];
      // a missing half of the quiet hours: say it at the empty field
      if ((name === "quiet_from" || name === "quiet_until") && Boolean(from.value) !== Boolean(until.value)) {
        id = from.value ? "quiet-until" : "quiet-from";
      }
      if (id) setError(id, fieldText(name, msg, translated[name]));
    }
    const formError = $("form-error");
    if (formError) {
      formError.textContent = serverMessage(err);
      formError.hidden = false;
    }
    root.querySelector("[aria-invalid=true]")?.focus();
  }

  /** Store the fields at `path`; returns the saved settings or throws (messages shown). */
  async function save(path) {
    clearErrors();
    clearSaved();
    if (!loaded) throw new Incomplete(t("notify.loading"));
    const body = payload();
    if (!body) {
      list.querySelector("input")?.focus();
      throw new Incomplete(t("notify.need_channel"));
    }
    let data;
    try {
      data = await api("PUT", path, body);
    } catch (err) {
      showErrors(err);
      throw err;
    }
    show(data.notifications, owner);
    return data.notifications;
  }

  /** "Reihenfolge: 1. SMS, 2. E-Mail. Ruhezeit: 22:00 bis 07:00." (after saving) */
  function summary(prefs = shown) {
    const chosen = prefs?.channels?.length ? prefs.channels : CHANNELS;
    const parts = [t("notify.summary_channels", {
      channels: chosen.map((c, i) => `${i + 1}. ${channelName(c)}`).join(", ") })];
    parts.push(prefs?.quiet_from && prefs?.quiet_until
      ? t("notify.summary_quiet", { from: prefs.quiet_from, until: prefs.quiet_until })
      : t("notify.summary_no_quiet"));
    if (caregiver) {
      const cg = prefs?.caregiver || {};
      parts.push(cg.copies ? t("notify.summary_copies", { name: cg.name || cg.phone || cg.email || "" })
        : t("notify.summary_no_copies"));
    }
    return parts.join(" ");
  }

  [from, until].forEach((el) => el.addEventListener("input", () => {
    setError("quiet-from", ""); setError("quiet-until", ""); clearSaved();
  }));
  $("quiet-clear")?.addEventListener("click", () => {
    from.value = ""; until.value = "";
    setError("quiet-from", ""); setError("quiet-until", ""); clearSaved();
    from.focus();
  });
  if (caregiver) {
    ["cg-name", "cg-phone", "cg-email", "cg-copies"].forEach((id) => {
      $(id).addEventListener(id === "cg-copies" ? "change" : "input", () => {
        setError(id, ""); if (id !== "cg-name") setError("cg-phone", ""); clearSaved();
      });
    });
  }
  renderChannels();
  busy(true);

  return {
    show, payload, changed, save, summary, clearErrors, showErrors,
    /** Draw the texts again in the page's new language (what was saved is said again later). */
    rerender() {
      renderChannels();
      if (shown && caregiver) showConsent(shown.caregiver);
      clearSaved();
    },
    get loaded() { return loaded; },
    reset() { loaded = false; shown = null; busy(true); },
  };
}

/**
 * The person's own settings as a form of its own (resident and volunteer apps): loads
 * `GET /me/notifications`, saves with `PUT`, says what was saved.
 */
export function ownNotifyForm(form, p, { caregiver = false } = {}) {
  const settings = notifySettings(form, p, { caregiver });
  const saved = form.querySelector(`#${p}saved`);
  const formError = form.querySelector(`#${p}form-error`);

  async function load(personId) {
    try {
      const data = await api("GET", "/me/notifications");
      settings.show(data.notifications, personId);
    } catch (err) {
      formError.textContent = serverMessage(err);
      formError.hidden = false;
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const prefs = await settings.save("/me/notifications");
      saved.textContent = `${t("notify.saved")} ${settings.summary(prefs)}`;
      toast(t("notify.saved"), "ok");
    } catch (err) {
      if (err instanceof Incomplete) {
        formError.textContent = err.message;
        formError.hidden = false;
      }
    } finally {
      button.disabled = false;
    }
  });
  return { load, rerender: settings.rerender };
}
