"""What an advisor's lists are narrowed to, read from the address (a GET form): unknown values are
ignored rather than refused, so that an old bookmark still opens a page."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode
from uuid import UUID

from starlette.datastructures import QueryParams

from ecocirc_intake.adapters import notifier_reads
from ecocirc_shared.followup import PIPELINE, SynergyStatus
from ecocirc_shared.synergies import SynergyKind

STATUSES = {s.value for s in (*PIPELINE, SynergyStatus.WITHDRAWN)}
KINDS = {k.value for k in SynergyKind}
_MAX = 200


def text(params: QueryParams, name: str) -> str:
    value = params.get(name) or ""
    return " ".join(value.split())[:_MAX]


def page_number(params: QueryParams, name: str) -> int:
    value = params.get(name) or ""
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


@dataclass(frozen=True)
class Pages:
    """One page of a long list: which one, how many, and the address of the others."""

    number: int
    size: int
    total: int
    parameter: str
    kept: dict[str, str] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    def href(self, number: int) -> str:
        return "?" + urlencode({**self.kept, self.parameter: str(number)})


@dataclass(frozen=True)
class LeadSearch:
    """The leads' filters as the form sends them, and as the read contract takes them."""

    territory: str = ""
    company: str = ""
    commune: str = ""
    status: str = ""
    kind: str = ""
    resource: str = ""
    score: str = ""
    owner: str = ""
    overdue: bool = False

    @classmethod
    def read(cls, params: QueryParams) -> LeadSearch:
        score = text(params, "score").removesuffix("%").strip()
        return cls(
            territory=text(params, "territoire"),
            company=text(params, "entreprise"),
            commune=text(params, "commune"),
            status=text(params, "etape") if text(params, "etape") in STATUSES else "",
            kind=text(params, "nature") if text(params, "nature") in KINDS else "",
            resource=text(params, "ressource")[:100],
            score=score if score.isdigit() and int(score) <= 100 else "",
            owner=text(params, "responsable"),
            overdue=text(params, "retard") == "oui",
        )

    def owner_id(self) -> UUID | None:
        try:
            return UUID(self.owner)
        except ValueError:
            return None

    def filters(self, company_ids: tuple[UUID, ...] | None, today: date) -> notifier_reads.Filters:
        """`company_ids`: the companies the name and commune designate (None: not narrowed); `today`: the
        programme's day, before which a next action is overdue."""
        return notifier_reads.Filters(
            statuses=(self.status,) if self.status else (),
            kind=self.kind or None,
            owner_id=self.owner_id(),
            territory=self.territory or None,
            resource_class=self.resource or None,
            min_score=int(self.score) / 100 if self.score else None,
            company_ids=company_ids,
            overdue_on=today if self.overdue else None,
        )

    def query(self) -> dict[str, str]:
        """The filters as the address carries them (empty ones left out)."""
        values = {
            "territoire": self.territory,
            "entreprise": self.company,
            "commune": self.commune,
            "etape": self.status,
            "nature": self.kind,
            "ressource": self.resource,
            "score": self.score,
            "responsable": self.owner,
            "retard": "oui" if self.overdue else "",
        }
        return {k: v for k, v in values.items() if v}

    @property
    def narrowed(self) -> bool:
        return bool(self.query())
