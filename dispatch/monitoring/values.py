"""What a cell of a report holds: a number, or a marker where the small-count rule hides it."""

from __future__ import annotations

from enum import StrEnum


class Hidden(StrEnum):
    """Why a cell is not shown."""

    SMALL = "<5"  # fewer than five people or requests (or a figure over fewer than five)
    COMPLEMENT = "x"  # hidden so that a small number cannot be worked out by subtraction


#: A count of people or requests.
Count = int | Hidden
#: A share (0..1), mean, sum or other figure; None: nothing to measure (e.g. no ride).
Measure = float | Hidden | None
