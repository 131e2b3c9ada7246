"""Versioned event schemas exchanged on Kafka, with upcasters for older versions."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, Literal, cast
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import to_json

from ecocirc_shared.answers import COMMENT_MAX_LENGTH, Answer, DeclineReason
from ecocirc_shared.directory import RecipientKind
from ecocirc_shared.flows import FlowSnapshot, Revision
from ecocirc_shared.followup import AbandonReason, SynergyStatus, from_legacy
from ecocirc_shared.outcomes import Estimate, Outcome
from ecocirc_shared.synergies import SynergySnapshot


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """What every event carries; subclasses add their `event_type` and content."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=_now)
    schema_version: int = 1


class FlowDeclared(Event):
    """v2: the flow may carry a price (v1 flows have none)."""

    event_type: Literal["flow.declared"] = "flow.declared"
    schema_version: int = 2
    flow: FlowSnapshot


class FlowRevised(Event):
    """v2: the flow may carry a price (v1 flows have none)."""

    event_type: Literal["flow.revised"] = "flow.revised"
    schema_version: int = 2
    flow: FlowSnapshot


class FlowWithdrawn(Event):
    event_type: Literal["flow.withdrawn"] = "flow.withdrawn"
    flow_id: UUID
    company_id: UUID
    version: Revision


class SynergyProposed(Event):
    """v2: the impact may carry euros saved (v1 impacts have none)."""

    event_type: Literal["synergy.proposed"] = "synergy.proposed"
    schema_version: int = 2
    synergy: SynergySnapshot


class SynergyRevised(Event):
    """v2: the impact may carry euros saved (v1 impacts have none)."""

    event_type: Literal["synergy.revised"] = "synergy.revised"
    schema_version: int = 2
    synergy: SynergySnapshot


class SynergyWithdrawn(Event):
    event_type: Literal["synergy.withdrawn"] = "synergy.withdrawn"
    synergy_id: UUID
    revision: Revision
    reason: str


Note = Annotated[str, Field(max_length=2000)]
Comment = Annotated[str, Field(max_length=1000)]


class SynergyStatusChanged(Event):
    """An advisor moved a synergy on (in review mode, approving or refusing it).

    No longer written (intake writes `synergy.followup_changed`); still read, for what an older
    intake left in its outbox or on the dead-letter topic. v2: statuses of the pipeline (v1's are
    mapped by the upcaster), and the reason of an abandonment.
    """

    event_type: Literal["synergy.status_changed"] = "synergy.status_changed"
    schema_version: int = 2
    synergy_id: UUID
    status: SynergyStatus
    note: Note | None = None
    advisor_id: UUID
    abandon_reason: AbandonReason | None = None


FollowUpField = Literal["owner_id", "next_action_on"]


class FollowUpChanged(Event):
    """An advisor changed a lead's follow-up: its status in the pipeline (abandoning it with a
    reason), its owner, its next action's date, or added a note. A field left out (None) keeps its
    value; `clear` names the fields to empty."""

    event_type: Literal["synergy.followup_changed"] = "synergy.followup_changed"
    synergy_id: UUID
    advisor_id: UUID
    status: SynergyStatus | None = None
    abandon_reason: AbandonReason | None = None
    abandon_comment: Comment | None = None
    owner_id: UUID | None = None
    next_action_on: date | None = None
    clear: tuple[FollowUpField, ...] = ()
    note: Note | None = None


class SynergyRecorded(Event):
    """An advisor recorded a synergy the matcher did not find (a workshop, a visit). Its id is
    derived from its content (`ecocirc_shared.recorded`), so recording it twice records it once."""

    event_type: Literal["synergy.recorded"] = "synergy.recorded"
    synergy: SynergySnapshot
    advisor_id: UUID
    status: SynergyStatus = SynergyStatus.IDEA
    owner_id: UUID | None = None
    next_action_on: date | None = None
    note: Note | None = None


class OutcomeRecorded(Event):
    """An advisor recorded what a done synergy achieves per year, next to the platform's estimate
    at that time; `mark_done` moves the lead to done in the same decision."""

    event_type: Literal["synergy.outcome_recorded"] = "synergy.outcome_recorded"
    synergy_id: UUID
    advisor_id: UUID
    outcome: Outcome
    estimate: Estimate
    mark_done: bool = False


class ReviewModeChanged(Event):
    """An advisor turned review mode on or off for a territory they follow."""

    event_type: Literal["territory.review_mode_changed"] = "territory.review_mode_changed"
    territory: str = Field(min_length=1, max_length=100)
    enabled: bool
    advisor_id: UUID


class EmailPreferencesChanged(Event):
    """Someone chose whether and how they hear of synergies (an unsubscribe link, a company's or an
    advisor's choice). A field left out (None) keeps its value."""

    event_type: Literal["recipient.email_preferences_changed"] = "recipient.email_preferences_changed"
    recipient_kind: RecipientKind
    recipient_id: UUID
    opted_out: bool | None = None
    # "default": whatever the programme sends (the digest when it sends digests).
    delivery: Literal["immediate", "digest", "default"] | None = None


class SynergyAnswered(Event):
    """A participant company answered a lead (the API, a page, or a signed link in an email).

    The notifier records it in the lead's history; the last yes introduces the companies to each
    other. `channel` says where the answer was given, for the advisor who reads the history.
    """

    event_type: Literal["synergy.answered"] = "synergy.answered"
    synergy_id: UUID
    company_id: UUID
    answer: Answer
    reason: DeclineReason | None = None
    comment: str | None = Field(None, max_length=COMMENT_MAX_LENGTH)
    channel: Literal["api", "web", "email"] = "api"


def decision_key(event: DecisionEvent) -> str:
    """The Kafka key of a decision: its subject, so that one subject's decisions stay in order."""
    if isinstance(event, SynergyStatusChanged | FollowUpChanged | OutcomeRecorded | SynergyAnswered):
        return str(event.synergy_id)
    if isinstance(event, SynergyRecorded):
        return str(event.synergy.synergy_id)
    if isinstance(event, ReviewModeChanged):
        return f"territory:{event.territory}"
    return f"{event.recipient_kind.value}:{event.recipient_id}"


class SignInLinkRequested(Event):
    """Someone asked for a sign-in link with an address that intake knows; the notifier emails it.

    The event carries no credential: the link's token is an HMAC of `link_id` under the link key
    (ecocirc_shared.links), which the notifier computes when it writes the email. Whoever reads the
    outbox or the topic cannot sign in with what they read. `accounts` names what the link opens
    (companies, "conseiller"), for the email to say.
    """

    event_type: Literal["access.sign_in_link_requested"] = "access.sign_in_link_requested"
    link_id: UUID
    email: str
    accounts: tuple[str, ...] = ()
    expires_at: datetime


class WelcomeRequested(Event):
    """An advisor registered a company (the API, an import): its contact is to be welcomed by email,
    with a sign-in link valid longer than one asked for (`expires_at`), usable once.

    Like a sign-in request, it carries the link's id and no credential. The notifier finds the
    company's advisor (or the programme's contact) in intake's read contract.
    """

    event_type: Literal["access.welcome_requested"] = "access.welcome_requested"
    company_id: UUID
    company_name: str = Field(max_length=200)
    link_id: UUID
    email: str = Field(max_length=254)
    expires_at: datetime


FlowEvent = FlowDeclared | FlowRevised | FlowWithdrawn
SynergyEvent = SynergyProposed | SynergyRevised | SynergyWithdrawn
DecisionEvent = (
    SynergyStatusChanged
    | FollowUpChanged
    | SynergyRecorded
    | OutcomeRecorded
    | ReviewModeChanged
    | EmailPreferencesChanged
    | SynergyAnswered
)
AccessEvent = SignInLinkRequested | WelcomeRequested
AnyEvent = Annotated[
    FlowEvent | SynergyEvent | DecisionEvent | AccessEvent, Field(discriminator="event_type")
]

CURRENT_VERSIONS: dict[str, int] = {
    "flow.declared": 2,
    "flow.revised": 2,
    "flow.withdrawn": 1,
    "synergy.proposed": 2,
    "synergy.revised": 2,
    "synergy.withdrawn": 1,
    "synergy.status_changed": 2,
    "synergy.followup_changed": 1,
    "synergy.recorded": 1,
    "synergy.outcome_recorded": 1,
    "territory.review_mode_changed": 1,
    "recipient.email_preferences_changed": 1,
    "synergy.answered": 1,
    "access.sign_in_link_requested": 1,
    "access.welcome_requested": 1,
}

# (event_type, from_version) -> function turning that version's dict into the next version's dict.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _flow_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """v1 flows carry no price."""
    flow = doc.get("flow")
    if isinstance(flow, dict):
        return {**doc, "flow": {**flow, "price": flow.get("price")}}
    return doc  # left for validation to refuse


def _synergy_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """v1 impacts carry no euros."""
    synergy = doc.get("synergy")
    if isinstance(synergy, dict) and isinstance(synergy.get("impact", {}), dict):
        impact = {"eur_saved_per_year": None, "eur_notes": [], **synergy.get("impact", {})}
        return {**doc, "synergy": {**synergy, "impact": impact}}
    return doc


def _status_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """v1 statuses in the pipeline's words (contacted → in_contact, accepted → study, refused or
    withdrawn by an advisor → abandoned, for a reason v1 did not ask: other)."""
    status = doc.get("status")
    if not isinstance(status, str):
        return doc
    try:
        mapped = from_legacy(status)
    except ValueError:
        return doc  # left for validation to refuse
    upcast = {**doc, "status": mapped.value}
    if mapped is SynergyStatus.ABANDONED:
        upcast["abandon_reason"] = AbandonReason.OTHER.value
    return upcast


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("flow.declared", 1): _flow_v1_to_v2,
    ("flow.revised", 1): _flow_v1_to_v2,
    ("synergy.proposed", 1): _synergy_v1_to_v2,
    ("synergy.revised", 1): _synergy_v1_to_v2,
    ("synergy.status_changed", 1): _status_v1_to_v2,
}

_adapter: TypeAdapter[FlowEvent | SynergyEvent | DecisionEvent | AccessEvent] = TypeAdapter(AnyEvent)


class PoisonEvent(ValueError):
    """A message that cannot be turned into a known event: it goes to the dead-letter topic."""


def encode(event: Event) -> bytes:
    return event.model_dump_json().encode()


def encode_synergy_news(
    event_type: type[SynergyProposed | SynergyRevised], synergy_json: str
) -> tuple[UUID, bytes]:
    """A new event of this type carrying a snapshot already serialised: its id and what `encode` gives.

    The snapshot (most of the bytes) is not serialised a second time: the envelope's own fields
    (their defaults: a fresh id and time, the type) are, in the model's order, and the snapshot's
    JSON is their last member. (`model_construct` would do it too, at several times the cost.)
    """
    envelope = {name: factory() if factory else default for name, default, factory in _envelope(event_type)}
    head = to_json(envelope).decode()
    return envelope["event_id"], f'{head[:-1]},"synergy":{synergy_json}}}'.encode()


def encode_synergy_news_many(
    news: Sequence[tuple[type[SynergyProposed | SynergyRevised], bytes]],
) -> list[tuple[str, bytes]]:
    """`encode_synergy_news` for many events written together, each snapshot given as its JSON's UTF-8
    bytes: each event's id as its text, and its bytes.

    The events of one transaction share one time (that of the batch that made them), so each type's
    envelope is serialised once, around a placeholder id; each event then gets a fresh version 4
    id (random, as `uuid4`), written into its envelope as text, from one read of the system's
    randomness for the whole batch (a matcher batch announces thousands: 11.8 -> 4.8 us an event).
    """
    if not news:
        return []
    occurred_at = _now()
    heads: dict[type[Event], tuple[str, bytes]] = {}
    for event_type in {t for t, _ in news}:
        envelope = {
            name: _PLACEHOLDER_ID if name == "event_id" else occurred_at if name == "occurred_at" else default
            for name, default, _ in _envelope(event_type)
        }
        opening, closing = to_json(envelope).decode()[:-1].split(str(_PLACEHOLDER_ID))
        heads[event_type] = (opening, f'{closing},"synergy":'.encode())
    random = os.urandom(16 * len(news)).hex()
    encoded = []
    for i, (event_type, synergy_json) in enumerate(news):
        h = random[32 * i : 32 * i + 32]
        # The version (4) and variant (10xx) bits of RFC 4122, where uuid4 sets them.
        event_id = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"
        head, tail = heads[event_type]
        encoded.append((event_id, f"{head}{event_id}".encode() + tail + synergy_json + b"}"))
    return encoded


_PLACEHOLDER_ID = UUID(int=0)
# A random hex digit's top two bits set to 10 (the RFC 4122 variant), keeping its two low bits.
_VARIANT = {f"{d:x}": f"{0x8 | (d & 0x3):x}" for d in range(16)}


@cache
def _envelope(event_type: type[Event]) -> tuple[tuple[str, Any, Callable[[], Any] | None], ...]:
    """An event type's fields but the snapshot, in order: (name, default, default factory)."""
    return tuple(
        (name, field.default, cast("Callable[[], Any] | None", field.default_factory))
        for name, field in event_type.model_fields.items()
        if name != "synergy"
    )


def decode(raw: bytes | None) -> FlowEvent | SynergyEvent | DecisionEvent | AccessEvent:
    """Parse a message, upcasting older schema versions; raise PoisonEvent for anything else."""
    if raw is None:
        # A tombstone: nobody publishes them on these topics (they are not compacted).
        raise PoisonEvent("empty message (tombstone)")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PoisonEvent(f"undecodable message: {exc}") from exc
    except RecursionError as exc:
        raise PoisonEvent("undecodable message: nested too deeply") from exc
    if not isinstance(doc, dict):
        raise PoisonEvent("message is not a JSON object")
    event_type = doc.get("event_type")
    if event_type not in CURRENT_VERSIONS:
        raise PoisonEvent(f"unknown event type {event_type!r}")
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or version < 1 or version > CURRENT_VERSIONS[event_type]:
        raise PoisonEvent(f"unknown schema version {version!r} for {event_type}")
    while version < CURRENT_VERSIONS[event_type]:
        doc = UPCASTERS[(event_type, version)](doc)
        version += 1
        doc["schema_version"] = version
    try:
        event = _adapter.validate_python(doc)
    except ValidationError as exc:
        raise PoisonEvent(f"invalid {event_type} v{version}: {exc.error_count()} errors") from exc
    return event
