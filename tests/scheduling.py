"""The order the test processes take the test files in: the longest first.

Two processes share the files (``pytest -n 2 --dist loadfile``): each takes a whole file at a
time, in the order of :data:`LONGEST_FIRST`, so short files at the end keep both busy to the
last minute (a long file taken last would leave one waiting). All browser files are one unit:
one process starts one server and one Chromium for all of them.
"""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

#: Path prefixes, longest-running first (``make test`` prints the slowest tests).
LONGEST_FIRST = (
    "tests/browser/",
    "tests/reliability/test_kill_storm.py",
    "tests/production/test_serve.py",
    "tests/reliability/test_concurrent_writers.py",
    "tests/scenario/test_morning.py",
    "tests/reliability/test_fuzz.py",
    "tests/reliability/test_replan_job.py",
    "tests/reliability/test_crash_and_reconnect.py",
    "tests/simulation/",
    "tests/reliability/",
    "tests/notifications/",
    "tests/api/test_access_matrix.py",
    "tests/production/",
    "tests/scenario/",
    "tests/guide/",
    "tests/matching/test_random.py",
    "tests/api/",
)
BROWSER = "tests/browser/"


def rank(nodeid: str) -> int:
    """Position of the test's file in :data:`LONGEST_FIRST` (the rest after)."""
    return next((i for i, p in enumerate(LONGEST_FIRST) if nodeid.startswith(p)),
                len(LONGEST_FIRST))


def longest_first(items: list[pytest.Item]) -> None:
    """Sort the collected tests (stable: a file keeps its order)."""
    items.sort(key=lambda item: rank(item.nodeid))


def unit_of(nodeid: str) -> str:
    """The unit a test process takes at once: the test's file, or all browser files."""
    file = nodeid.split("::", 1)[0]
    return BROWSER if file.startswith(BROWSER) else file


class FilesLongestFirst(LoadScopeScheduling):
    """``--dist loadfile`` with the browser files as one unit, in collection order."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        config.option.loadscopereorder = False  # keep LONGEST_FIRST, not the largest first
        super().__init__(config, log)

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)
