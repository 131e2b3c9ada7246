"""Which territories an advisor follows: the one rule the API's scoping and the emails both apply."""

from __future__ import annotations

from collections.abc import Collection

# An advisor following this follows every territory (the admin does).
ALL_TERRITORIES = "*"


def covers(followed: Collection[str], territory: str | None) -> bool:
    """Whether `followed` includes `territory`; a company with no territory is covered only by "*"."""
    return ALL_TERRITORIES in followed or (territory is not None and territory in followed)
