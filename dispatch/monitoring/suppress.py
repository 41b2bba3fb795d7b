"""The small-count rule: no group of fewer than five people is shown.

1. *Primary*: a count of people or requests from 1 to 4 is shown as ``<5``; so is every
   figure computed over fewer than five (a mean waiting time over three rides; the volunteers'
   hours, kilometres and fairness when fewer than five volunteers were on duty). 0 is shown.
2. *Complementary*: counts that add up (requests = served + unmet + pending + cancelled +
   no-shows; unmet = its reasons; requests = its purposes; served = shared + not shared; a
   language's requests = served + not served; a range's total = the sum of its periods) form
   groups. Where the shown cells of a group would pin a hidden cell to one value (``total``
   minus the shown parts, with a ``<5`` known to lie in 1..4), the smallest further cell of
   the group is hidden as ``x``, until no group pins any hidden cell (where all cells of a
   group are hidden and the bound 1..4 itself pins one, a ``<5`` becomes ``x``). Parts that
   are never shown (the not-shared rides) count as hidden when they are 1 to 4.
3. *Shares* are hidden when their numerator or denominator is.

The check is per group; a combination of several groups' bounds is not searched for, which is
what "where feasible" leaves open (see ``docs/MONITORING.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import replace

from dispatch.monitoring.figures import Figures
from dispatch.monitoring.figures import Language
from dispatch.monitoring.figures import Report
from dispatch.monitoring.figures import RideTimes
from dispatch.monitoring.figures import Stat
from dispatch.monitoring.figures import Volunteers
from dispatch.monitoring.values import Count
from dispatch.monitoring.values import Hidden
from dispatch.monitoring.values import Measure

MIN_GROUP = 5
OUTCOMES = ("served", "unmet", "pending", "cancelled", "no_show")
#: Volunteer figures that add up over periods (hidden while fewer than five were on duty).
VOLUNTEER_SUMS = ("tours", "hours", "km_driven", "km_walked")
VOLUNTEER_OTHER = ("rides_mean", "rides_min", "rides_max", "rides_gini")
TOTAL = "total"


@dataclass
class Cell:
    """One number of a report and whether (and why) it is hidden."""

    value: float
    count: bool  # a count of people or requests (a hidden one lies in 1..4)
    implicit: bool = False  # never shown, but could be worked out (e.g. not-shared rides)
    hidden: Hidden | None = None

    @property
    def unknown(self) -> bool:
        return self.implicit or self.hidden is not None

    @property
    def sensitive(self) -> bool:
        """Must not be worked out: hidden, or a never-shown small count."""
        return self.hidden is not None or (self.implicit and self.count and
                                           0 < self.value < MIN_GROUP)

    def bounds(self) -> tuple[float, float]:
        """What someone who sees the report knows about the value."""
        if not self.unknown:
            return self.value, self.value
        if self.hidden == Hidden.SMALL and self.count:
            return 1.0, float(MIN_GROUP - 1)
        return 0.0, math.inf


@dataclass(frozen=True)
class Group:
    """``total`` = sum of ``parts`` (cell keys)."""

    total: str
    parts: tuple[str, ...]


def _small(n: float) -> bool:
    return 0 < n < MIN_GROUP


def _cells_of(f: Figures, prefix: str, cells: dict[str, Cell]) -> list[Group]:
    """Add the cells of one period; return its groups."""
    def count(key: str, value: float, *, implicit: bool = False) -> str:
        cells[prefix + key] = Cell(float(value), True, implicit,
                                   Hidden.SMALL if _small(value) and not implicit else None)
        return prefix + key

    req = count("requests", _num(f.requests))
    outcomes = tuple(count(k, _num(getattr(f, k))) for k in OUTCOMES)
    count("residents", _num(f.residents))
    reasons = tuple(count(f"unmet_reasons.{k}", _num(v)) for k, v in f.unmet_reasons.items())
    purposes = tuple(count(f"purposes.{k}", _num(v)) for k, v in f.purposes.items())
    shared = count("shared", _num(f.shared))
    unshared = count("unshared", _num(f.served) - _num(f.shared), implicit=True)
    groups = [Group(req, outcomes), Group(prefix + "unmet", reasons), Group(req, purposes),
              Group(prefix + "served", (shared, unshared))]
    for lang, row in f.languages.items():
        asked = count(f"languages.{lang}.asked", _num(row.asked))
        got = count(f"languages.{lang}.served", _num(row.served))
        lost = count(f"languages.{lang}.unserved", _num(row.asked) - _num(row.served),
                     implicit=True)
        groups.append(Group(asked, (got, lost)))
    v = f.volunteers
    count("volunteers.on_duty", _num(v.on_duty))
    count("volunteers.active", _num(v.active))
    few = _small(_num(v.on_duty))
    for key in VOLUNTEER_SUMS:
        value = getattr(v, key)
        cells[f"{prefix}volunteers.{key}"] = Cell(
            float(value or 0.0), False, hidden=Hidden.SMALL if few else None)
    return groups


def _num(value: Count | Measure) -> float:
    if isinstance(value, int | float):
        return float(value)
    msg = "suppress() takes a raw report"
    raise TypeError(msg)


def _series_keys(cells: dict[str, Cell], prefix: str) -> list[str]:
    distinct = {"residents", "volunteers.on_duty", "volunteers.active"}
    return [k[len(prefix):] for k, c in cells.items() if k.startswith(prefix)
            and not c.implicit and k[len(prefix):] not in distinct]


def _pinned(group: Group, cells: dict[str, Cell]) -> bool:
    """Whether the group's shown cells fix some sensitive cell to one value."""
    keys = (group.total, *group.parts)
    if not any(cells[k].sensitive for k in keys):
        return False
    parts = [cells[p].bounds() for p in group.parts]
    sum_lo, sum_hi = sum(b[0] for b in parts), sum(b[1] for b in parts)
    t_lo, t_hi = cells[group.total].bounds()
    for key in keys:
        cell = cells[key]
        if not cell.sensitive:
            continue
        own_lo, own_hi = cell.bounds()
        if key == group.total:
            lo, hi = sum_lo, sum_hi
        else:  # the total minus the other parts
            others_lo, others_hi = sum_lo - own_lo, sum_hi - own_hi
            if math.isinf(own_hi):  # inf - inf: sum the others again
                others_hi = sum(cells[p].bounds()[1] for p in group.parts if p != key)
            lo, hi = t_lo - others_hi, t_hi - others_lo
        lo, hi = max(lo, own_lo), min(hi, own_hi)
        if hi - lo < 1e-9:
            return True
    return False


def _hide_one_more(group: Group, cells: dict[str, Cell]) -> bool:
    """Hide the smallest shown part (non-zero first), else the total; when every cell is
    hidden already, turn a ``<5`` into ``x`` (the bound 1..4 itself can pin: four hidden
    days of a total ``<5`` are one each). False if nothing is left to change."""
    shown = [p for p in group.parts if not cells[p].unknown]
    if shown:
        key = min(shown, key=lambda p: (cells[p].value == 0, cells[p].value, p))
    elif not cells[group.total].unknown:
        key = group.total
    else:
        small = [k for k in (group.total, *group.parts) if cells[k].hidden == Hidden.SMALL]
        if not small:
            return False
        key = small[0]
    cells[key].hidden = Hidden.COMPLEMENT
    return True


def protect(cells: dict[str, Cell], groups: list[Group]) -> None:
    """Hide further cells until no group pins a sensitive cell (the complementary step)."""
    changed = True
    while changed:
        changed = False
        for group in groups:
            while _pinned(group, cells) and _hide_one_more(group, cells):
                changed = True


def _count(cells: dict[str, Cell], key: str, raw: Count) -> Count:
    hidden = cells[key].hidden
    return hidden if hidden is not None else raw


def _measure(cells: dict[str, Cell], key: str, raw: Measure) -> Measure:
    hidden = cells[key].hidden
    return hidden if hidden is not None else raw


def _either(*markers: Hidden | None) -> Hidden | None:
    if Hidden.SMALL in markers:
        return Hidden.SMALL
    return Hidden.COMPLEMENT if Hidden.COMPLEMENT in markers else None


def _share(raw: Measure, *markers: Hidden | None) -> Measure:
    marker = _either(*markers)
    return marker if marker is not None else raw


def _stat(stat: Stat) -> Stat:
    if _small(stat.n):
        return Stat(stat.n, Hidden.SMALL, Hidden.SMALL, Hidden.SMALL)
    return stat


def _ride(ride: RideTimes) -> RideTimes:
    if _small(ride.n):
        return RideTimes(ride.n, *(Hidden.SMALL,) * 4)
    return ride


def _apply(f: Figures, prefix: str, cells: dict[str, Cell]) -> Figures:
    def c(key: str, raw: Count) -> Count:
        return _count(cells, prefix + key, raw)

    def h(key: str) -> Hidden | None:
        return cells[prefix + key].hidden

    langs = {}
    for lang, row in f.languages.items():
        a, s = f"languages.{lang}.asked", f"languages.{lang}.served"
        langs[lang] = Language(c(a, row.asked), c(s, row.served),
                               _share(row.served_share, h(a), h(s)))
    v = f.volunteers
    few = _small(_num(v.on_duty))
    vol = Volunteers(
        on_duty=c("volunteers.on_duty", v.on_duty), active=c("volunteers.active", v.active),
        **{k: _measure(cells, f"{prefix}volunteers.{k}", getattr(v, k)) for k in VOLUNTEER_SUMS},
        **{k: Hidden.SMALL if few else getattr(v, k) for k in VOLUNTEER_OTHER})
    decided = _num(f.served) + _num(f.unmet)
    return replace(
        f,
        requests=c("requests", f.requests), residents=c("residents", f.residents),
        served=c("served", f.served), unmet=c("unmet", f.unmet),
        pending=c("pending", f.pending), cancelled=c("cancelled", f.cancelled),
        no_show=c("no_show", f.no_show),
        served_share=_share(f.served_share, h("served"), h("unmet"),
                            Hidden.SMALL if _small(decided) else None),
        unmet_reasons={k: c(f"unmet_reasons.{k}", v) for k, v in f.unmet_reasons.items()},
        shared=c("shared", f.shared),
        shared_share=_share(f.shared_share, h("shared"), h("served")),
        purposes={k: c(f"purposes.{k}", v) for k, v in f.purposes.items()},
        languages=langs, wait_min=_stat(f.wait_min), ride=_ride(f.ride), volunteers=vol)


def hidden_cells(report: Report) -> tuple[dict[str, Cell], list[Group]]:
    """Every cell of a raw report (keys ``<period label>|<figure>``) after the rule, and the
    groups it was checked against (for tests and the documentation)."""
    cells: dict[str, Cell] = {}
    groups: list[Group] = []
    for f in report.buckets:
        groups += _cells_of(f, f"{f.label}|", cells)
    groups += _cells_of(report.total, f"{TOTAL}|", cells)
    if report.buckets:
        for key in _series_keys(cells, f"{TOTAL}|"):
            groups.append(Group(f"{TOTAL}|{key}",
                                tuple(f"{f.label}|{key}" for f in report.buckets)))
    protect(cells, groups)
    return cells, groups


def suppress(report: Report) -> Report:
    """The report as it may be shown: the small-count rule applied to every cell."""
    if report.suppressed:
        return report
    cells, _ = hidden_cells(report)
    return replace(report, suppressed=True,
                   buckets=tuple(_apply(f, f"{f.label}|", cells) for f in report.buckets),
                   total=_apply(report.total, f"{TOTAL}|", cells))
