// Monitoring for the quarter office and the municipality: figures per day, week or month
// (GET /api/v1/monitoring), two charts (Chart.js from npm), tables, CSV and the print report.
// Cells hidden by the small-count rule arrive as "<5" or "x" and are shown as they are.
import { api, boot, currentLang, errorText, h, loadMe, onLanguageChange, t, tOr } from "./app.js";
import { siteConfig } from "./map.js";

const form = document.getElementById("monitoring-form");
const quarterSelect = document.getElementById("m-quarter");
const status = document.getElementById("m-status");
let report = null;
const charts = {};

const OUTCOMES = ["requests", "residents", "served", "unmet", "pending", "cancelled", "no_show",
  "served_share", "shared", "shared_share"];
const TIMES = [["wait_min", "mean", "fig.wait_mean"], ["wait_min", "median", "fig.wait_median"],
  ["wait_min", "p90", "fig.wait_p90"], ["ride", "ride_min", "fig.ride_min"],
  ["ride", "direct_min", "fig.direct_min"], ["ride", "factor", "fig.factor"],
  ["ride", "factor_p90", "fig.factor_p90"]];
const VOLUNTEERS = ["on_duty", "active", "tours", "hours", "km_driven", "km_walked", "rides_mean",
  "rides_min", "rides_max", "rides_gini"];
const SHARES = new Set(["served_share", "shared_share"]);
const FIG = {
  requests: "fig.requests", residents: "fig.residents", served: "fig.served",
  unmet: "fig.unmet", pending: "fig.pending", cancelled: "fig.cancelled",
  no_show: "fig.no_show", served_share: "fig.served_share", shared: "fig.shared",
  shared_share: "fig.shared_share", on_duty: "fig.on_duty", active: "fig.active",
  tours: "fig.tours", hours: "fig.hours", km_driven: "fig.km_driven",
  km_walked: "fig.km_walked", rides_mean: "fig.rides_mean", rides_min: "fig.rides_min",
  rides_max: "fig.rides_max", rides_gini: "fig.rides_gini",
};

function fmt(value, share = false) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value; // "<5" or "x": hidden by the small-count rule
  const nf = new Intl.NumberFormat(currentLang(), share ? { style: "percent", maximumFractionDigits: 1 }
    : { maximumFractionDigits: 2 });
  return nf.format(value);
}

/** A number for a chart: hidden cells are gaps, not zeros. */
function plot(value) { return typeof value === "number" ? value : null; }

/** A table of figures; a wide one scrolls in its own box (keyboard too), not the page. */
function table(captionKey, rows, headers) {
  const id = `m-${captionKey.split(".").pop()}`;
  return h("div", { class: "table-scroll", role: "region", tabindex: "0", "aria-labelledby": id },
    h("table", { class: "figures" },
      h("caption", { id, text: t(captionKey) }),
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col", text: x })))),
      h("tbody", {}, rows.map(([label, ...cells]) => h("tr", {},
        h("th", { scope: "row", text: label }), cells.map((c) => h("td", { text: c })))))));
}

function renderTables() {
  const out = document.getElementById("m-tables");
  if (!report) { out.replaceChildren(); return; }
  const tot = report.total;
  const one = [t("monitoring.figure"), t("monitoring.total")];
  const reasons = Object.keys(tot.unmet_reasons);
  const purposes = Object.keys(tot.purposes);
  const langs = Object.keys(tot.languages);
  const periods = report.periods;
  out.replaceChildren(
    table("monitoring.sec_outcomes", OUTCOMES.map((k) => [t(FIG[k]), fmt(tot[k], SHARES.has(k))]), one),
    table("monitoring.sec_reasons",
      reasons.map((k) => [t(`unmet_reason.${k}`), fmt(tot.unmet_reasons[k])]), one),
    table("monitoring.sec_purposes",
      purposes.map((k) => [t(`purpose.${k}`), fmt(tot.purposes[k])]), one),
    table("monitoring.sec_languages", langs.map((k) => [tOr(`lang.${k}`, k),
      fmt(tot.languages[k].asked), fmt(tot.languages[k].served),
      fmt(tot.languages[k].served_share, true)]),
    [t("common.language"), t("monitoring.asked"), t("monitoring.served_lang"), t("monitoring.share")]),
    table("monitoring.sec_times", TIMES.map(([g, k, key]) => [t(key), fmt(tot[g][k])]), one),
    table("monitoring.sec_volunteers",
      VOLUNTEERS.map((k) => [t(FIG[k]), fmt(tot.volunteers[k])]), one),
    table("monitoring.sec_periods", periods.map((p) => [p.label, fmt(p.requests), fmt(p.served),
      fmt(p.unmet), fmt(p.cancelled), fmt(p.no_show), fmt(p.served_share, true)]),
    [t("monitoring.label"), t("fig.requests"), t("fig.served"), t("fig.unmet"),
      t("fig.cancelled"), t("fig.no_show"), t("fig.served_share")]),
  );
}

function chart(id, config) {
  if (!window.Chart) return;
  if (charts[id]) charts[id].destroy();
  const canvas = document.getElementById(id);
  charts[id] = new window.Chart(canvas, config);
  canvas.dataset.rendered = String(config.data.labels.length);
}

/** A chart label in lines of at most `width` letters (words kept whole): on a phone a long
 * reason ("Keine Ehrenamtliche zu der Zeit") would otherwise be cut at the chart's edge. */
export function wrapLabel(text, width) {
  const lines = [];
  for (const word of String(text).split(/\s+/)) {
    const last = lines.length - 1;
    if (last >= 0 && (lines[last] + " " + word).length <= width) lines[last] += " " + word;
    else lines.push(word);
  }
  return lines;
}

function renderCharts() {
  if (!report) return;
  const labels = report.periods.map((p) => p.label);
  const series = (key, color, labelKey) => ({
    label: t(labelKey), data: report.periods.map((p) => plot(p[key])),
    backgroundColor: color, borderColor: color,
  });
  const common = { responsive: true, maintainAspectRatio: false, animation: false,
    locale: currentLang(), plugins: { legend: { position: "bottom" } } };
  chart("m-chart", {
    type: "bar",
    data: { labels, datasets: [series("requests", "#00497a", "fig.requests"),
      series("served", "#2e7d32", "fig.served"), series("unmet", "#b3261e", "fig.unmet")] },
    options: { ...common, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  const reasons = Object.keys(report.total.unmet_reasons);
  chart("m-reasons-chart", {
    type: "bar",
    data: { labels: reasons.map((k) => wrapLabel(t(`unmet_reason.${k}`),
      window.innerWidth < 600 ? 14 : 30)),
      datasets: [{ label: t("fig.unmet"), backgroundColor: "#b3261e",
        data: reasons.map((k) => plot(report.total.unmet_reasons[k])) }] },
    options: { ...common, indexAxis: "y", plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

function query() {
  const p = new URLSearchParams({ period: form.period.value, from: form.from.value, to: form.to.value });
  if (quarterSelect.value) p.set("quarter", quarterSelect.value);
  return p;
}

function updateLinks() {
  const p = query();
  document.getElementById("m-csv").href = `/api/v1/monitoring/export.csv?${p}`;
  document.getElementById("m-mileage").href = `/api/v1/monitoring/mileage.csv?${p}`;
  const month = new URLSearchParams({ month: form.from.value.slice(0, 7) });
  if (quarterSelect.value) month.set("quarter", quarterSelect.value);
  document.getElementById("m-print").href = `/print/monitoring?${month}`;
}

async function load() {
  updateLinks();
  status.textContent = t("monitoring.loading");
  try {
    report = await api("GET", `/monitoring?${query()}`);
    status.textContent = "";
  } catch (err) {
    report = null;
    status.textContent = `${t("monitoring.error")} ${errorText(err)}`;
  }
  renderTables();
  renderCharts();
}

function isoDay(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

onLanguageChange(() => { renderTables(); renderCharts(); });

async function main() {
  await boot();
  const person = await loadMe();
  const config = await siteConfig();
  if (person?.role === "admin") {
    quarterSelect.append(h("option", { value: "all", text: t("monitoring.all_quarters") }));
  }
  const own = person?.quarter && typeof person.quarter === "object" ? person.quarter.slug
    : person?.quarter;
  (config.quarters || []).filter((q) => person?.role === "admin" || q.slug === own)
    .forEach((q) => quarterSelect.append(h("option", { value: q.slug, text: q.name })));
  if (own) quarterSelect.value = own;
  const now = new Date();
  form.from.value = isoDay(new Date(now.getFullYear(), now.getMonth(), 1));
  form.to.value = isoDay(new Date(now.getFullYear(), now.getMonth() + 1, 0));
  const params = new URLSearchParams(location.search);
  for (const k of ["from", "to", "period"]) if (params.get(k)) form[k].value = params.get(k);
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  if (!window.Chart) await new Promise((resolve) => window.addEventListener("load", resolve, { once: true }));
  await load();
}

main();
