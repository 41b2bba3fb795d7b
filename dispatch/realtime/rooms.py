"""Room names."""

from __future__ import annotations


def user_room(person_id: int) -> str:
    return f"user:{person_id}"


def role_room(role: str) -> str:
    return f"role:{role}"


def quarter_room(slug: str) -> str:
    return f"quarter:{slug}"


def staff_room(slug: str) -> str:
    """Coordinators (and admins) watching a quarter's board."""
    return f"board:{slug}"
