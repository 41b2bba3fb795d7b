"""The coordinator's monitoring page: Chart.js draws under the strict Content-Security-Policy,
the tables show the figures, and the CSV and print links follow the chosen range."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.conftest import shot
from tests.browser.conftest import staff_login

pytestmark = pytest.mark.browser

DE = json.loads((Path(__file__).resolve().parents[2] / "pwa/static/i18n/de.json")
                .read_text(encoding="utf-8"))


def test_the_chart_renders_under_the_content_security_policy(new_context: NewContext,
                                                              artifacts: Path) -> None:
    ctx = new_context(viewport={"width": 1200, "height": 900}, is_mobile=False,
                      has_touch=False)
    staff_login(ctx, "koordination.eving@example.org")
    page = ctx.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text
            or "Refused to" in m.text else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', (e) =>"
                         " console.error('Refused to: ' + e.violatedDirective));")
    page.goto("/app/monitoring?lang=de")
    canvas = page.locator("#m-chart")
    expect(canvas).to_have_attribute("data-rendered", re.compile(r"\d+"))
    drawn = page.evaluate("""() => {
        const c = window.Chart.getChart(document.getElementById('m-chart'));
        return {datasets: c.data.datasets.map((d) => d.label), labels: c.data.labels.length,
                width: c.width, height: c.height};
    }""")
    assert drawn["datasets"] == [DE["fig.requests"], DE["fig.served"], DE["fig.unmet"]]
    assert drawn["labels"] >= 28  # the days of this month
    assert drawn["width"] > 300
    assert drawn["height"] > 100
    expect(page.locator("table.figures caption").first).to_have_text(
        DE["monitoring.sec_outcomes"])
    expect(page.locator("table.figures").first.locator("tbody tr").first).to_contain_text(
        DE["fig.requests"])
    # the links follow the form
    page.locator("#m-period").select_option("week")
    page.get_by_role("button", name=DE["monitoring.show"]).click()
    expect(page.locator("#m-csv")).to_have_attribute("href", re.compile(r"period=week"))
    expect(page.locator("#m-print")).to_have_attribute(
        "href", re.compile(r"^/print/monitoring\?month=\d{4}-\d\d"))
    shot(page, artifacts, "monitoring-desktop-de")
    assert refused == []
    # the CSV link answers for this coordinator
    csv_url = page.locator("#m-csv").get_attribute("href")
    assert csv_url
    res = ctx.request.get(csv_url)
    assert res.ok
    assert res.text().lstrip("\ufeff").startswith("quarter;period;label")


LABEL_ROOM_JS = """() => {
    const c = window.Chart.getChart(document.getElementById('m-reasons-chart'));
    const scale = c.scales.y;
    c.ctx.save();
    c.ctx.font = window.Chart.helpers.toFont(scale.options.ticks.font).string;
    const lines = c.data.labels.flat();
    const widest = Math.max(...lines.map((line) => c.ctx.measureText(line).width));
    c.ctx.restore();
    return {lines, widest, room: scale.right - (scale.options.ticks.padding || 0)};
}"""


@pytest.mark.parametrize("lang", ["de", "pl"])
def test_the_reasons_chart_s_labels_fit_on_a_phone(new_context: NewContext, lang: str) -> None:
    """On a 390 px phone each reason is written in lines that fit beside the bars (a label
    wider than its room is cut at the chart's edge, which no screen reader check sees)."""
    ctx = new_context(lang=lang)
    staff_login(ctx, "koordination.eving@example.org")
    page = ctx.new_page()
    page.goto(f"/app/monitoring?lang={lang}")
    expect(page.locator("#m-reasons-chart")).to_have_attribute("data-rendered",
                                                               re.compile(r"\d+"))
    fit = page.evaluate(LABEL_ROOM_JS)
    cat = json.loads((Path(__file__).resolve().parents[2] / f"pwa/static/i18n/{lang}.json")
                     .read_text(encoding="utf-8"))
    words = " ".join(v for k, v in cat.items() if k.startswith("unmet_reason.")).split()
    assert sorted(" ".join(fit["lines"]).split()) == sorted(words)  # every word, once
    assert fit["widest"] <= fit["room"], fit
