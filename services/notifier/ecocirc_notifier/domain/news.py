"""The news an email carries, and the deterministic keys that stop the same news being sent twice.

Rule for revisions. A synergy is revised whenever one of its flows changes, often in small ways (a
quantity, a month, a recalculated score). Re-announcing every revision would flood people, so the
key of a proposal depends only on:
- the synergy id;
- who takes part: the set of (company, role) pairs. A company joining or leaving, or a role changing,
  is news for everyone concerned and gets a new email. A company re-declaring the same resource as a
  new flow is not news (flow ids are left out on purpose);
- `reopened`: how many times the synergy was withdrawn before this proposal (the caller's ledger knows
  it). A synergy withdrawn and later proposed again is news again.
Score, quantities, distance, months and explanation changes give no new email: the current state is
always readable through the API. A recipient who newly qualifies (score now above the threshold, a
new advisor for the territory) gets the news because that recipient's key was never sent.

A withdrawal is announced once per announcement round: its key ignores who takes part. So is an
introduction (every company said yes): one email per company and per round.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ecocirc_notifier.domain.recipients import Recipient
from ecocirc_shared.synergies import SynergySnapshot

# Bumped only if the key layout changes; old keys then stop matching, so change it with care.
_KEY_VERSION = "n1"
_DOMAIN = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


class NewsKind(StrEnum):
    PROPOSED = "proposed"
    WITHDRAWN = "withdrawn"
    # Every participant company said yes: each gets the others' contacts, the advisors are told.
    INTRODUCED = "introduced"


class News(BaseModel):
    """One thing to tell: a synergy proposed, or withdrawn (with the last state people were told of)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: NewsKind
    synergy: SynergySnapshot
    reason: str | None = None
    reopened: int = Field(default=0, ge=0)
    # Every participant said yes: the email names everyone and gives exact figures. Read at sending
    # time from the synergy's row (the answer flow sets it, like `delivery.latest` sets the snapshot),
    # so neither stored with the queued news nor part of its ledger key.
    introduced: bool = Field(default=False, exclude=True)


def proposed(synergy: SynergySnapshot, reopened: int = 0) -> News:
    return News(kind=NewsKind.PROPOSED, synergy=synergy, reopened=reopened)


def withdrawn(last_announced: SynergySnapshot, reason: str, reopened: int = 0) -> News:
    """A withdrawal, rendered from the last snapshot that was announced (the event carries no content)."""
    return News(kind=NewsKind.WITHDRAWN, synergy=last_announced, reason=reason, reopened=reopened)


def introduced(synergy: SynergySnapshot, reopened: int = 0) -> News:
    """The introduction of a round's companies to each other, with the synergy as they all said yes to."""
    return News(kind=NewsKind.INTRODUCED, synergy=synergy, reopened=reopened)


def participants_fingerprint(synergy: SynergySnapshot) -> str:
    """A short digest of who takes part, in which role, independent of order and of flow ids."""
    pairs = sorted({f"{p.company_id}:{p.role.value}" for p in synergy.participants})
    return hashlib.sha256("\n".join(pairs).encode()).hexdigest()[:16]


def news_key(news: News, recipient: Recipient) -> str:
    """The ledger key of `news` for `recipient`: equal keys mean the same email, to be sent once."""
    synergy_id = news.synergy.synergy_id
    if news.kind is NewsKind.PROPOSED:
        what = f"proposed:{synergy_id}:{participants_fingerprint(news.synergy)}"
    else:
        what = f"{news.kind.value}:{synergy_id}"
    return f"{_KEY_VERSION}:{what}:r{news.reopened}:{recipient.kind.value}:{recipient.id}"


def digest_key(news_keys: Iterable[str]) -> str:
    """The key of a digest email: the set of the keys it carries, whatever their order."""
    keys = sorted(set(news_keys))
    if not keys:
        raise ValueError("a digest carries at least one news")
    return f"{_KEY_VERSION}:digest:" + hashlib.sha256("\n".join(keys).encode()).hexdigest()


def leads_key(news_keys: Iterable[str]) -> str:
    """The key of an email carrying several proposals for one person (what reached them within the hold)."""
    keys = sorted(set(news_keys))
    if not keys:
        raise ValueError("an email of leads carries at least one news")
    return f"{_KEY_VERSION}:leads:" + hashlib.sha256("\n".join(keys).encode()).hexdigest()


def message_id(key: str, domain: str) -> str:
    """A deterministic RFC 5322 Message-ID for a key, so a re-sent email is recognisably the same one."""
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(f"invalid Message-ID domain {domain!r}")
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<ecocirc.{digest}@{domain}>"
