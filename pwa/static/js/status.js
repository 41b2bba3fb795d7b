// What the resident is told about a request: ONE mapping from the request's state (see
// dispatch/domain/lifecycle.py) to a sentence, so no page says more than the engine knows.
// A volunteer is named only once they have accepted; "offered" means we are still asking.
import { t } from "./app.js";

/**
 * Per state: the sentence (`key`), its variant for walking escorts (`walk`) and for the
 * volunteer waiting at the door (`at_door`: the pick-up stop was reported "arrived"),
 * the tone of the card (wait, ok, done, off, problem), whether the volunteer is named and
 * whether the resident should call the quarter office.
 * tests/test_i18n.py checks that every state of RequestState is here, in all five languages.
 */
export const RESIDENT_STATUS = {
  requested: { key: "status.requested", tone: "wait" },
  planned: { key: "status.planned", tone: "wait" },
  offered: { key: "status.offered", tone: "wait" },
  accepted: { key: "status.accepted", walk: "status.accepted_walk", tone: "ok", named: true },
  en_route: { key: "status.en_route", at_door: "status.at_door", tone: "ok", named: true },
  picked_up: { key: "status.picked_up", tone: "ok", named: true },
  dropped_off: { key: "status.dropped_off", tone: "done", named: true },
  completed: { key: "status.completed", tone: "done", named: true },
  cancelled: { key: "status.cancelled", tone: "off" },
  no_show: { key: "status.no_show", tone: "problem", call: true },
  unservable: { key: "status.unservable", tone: "problem", call: true },
};

/** The key of the sentence for request `r` (state, kind, pick-up reported as arrived). */
export function statusKey(r) {
  const entry = RESIDENT_STATUS[r.state];
  if (!entry) return null;
  if (entry.at_door && r.pickup_arrived) return entry.at_door;
  if (entry.walk && r.kind === "escort_walk") return entry.walk;
  return entry.key;
}

/** The volunteer to name, or null while nobody has accepted (offered is not accepted). */
export function namedVolunteer(r) {
  const entry = RESIDENT_STATUS[r.state];
  return entry && entry.named && r.volunteer ? r.volunteer : null;
}

/** `{key, text, tone, call, volunteer}` for request `r`. */
export function residentStatus(r) {
  const entry = RESIDENT_STATUS[r.state];
  if (!entry) return { key: null, text: r.state_label || r.state, tone: "wait", call: false, volunteer: null };
  const key = statusKey(r);
  const volunteer = namedVolunteer(r);
  const name = volunteer ? volunteer.first_name : t("status.someone");
  return { key, text: t(key, { name }), tone: entry.tone, call: Boolean(entry.call), volunteer };
}
