"""Who is calling and what they may reach: the admin, an advisor of some territories, or a company."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID

from ecocirc_shared.territories import covers


def new_token() -> str:
    """A 256-bit random bearer token, shown once to its owner."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> bytes:
    # Tokens are 256-bit random values, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class Advisor:
    id: UUID
    name: str
    territories: tuple[str, ...]
    is_admin: bool = False

    def covers(self, territory: str | None) -> bool:
        return covers(self.territories, territory)


@dataclass(frozen=True)
class CompanyPrincipal:
    id: UUID


Principal = Advisor | CompanyPrincipal


def may_act_for_company(principal: Principal, company_id: UUID, company_territory: str) -> bool:
    """A company acts for itself; an advisor for the companies of their territories."""
    if isinstance(principal, CompanyPrincipal):
        return principal.id == company_id
    return principal.covers(company_territory)
