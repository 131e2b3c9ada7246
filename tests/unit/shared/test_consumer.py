"""The consumer loop both workers share: it waits out every way PostgreSQL can be away, and sets
aside only the event at fault, whatever made it fail."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from asyncpg.exceptions import _base as asyncpg_base

from ecocirc_shared.consumer import Incoming, apply_batch, decode_batch
from ecocirc_shared.events import FlowDeclared, FlowRevised, FlowWithdrawn, SynergyWithdrawn, encode
from ecocirc_shared.topics import FLOW_EVENTS


def event() -> FlowWithdrawn:
    return FlowWithdrawn(flow_id=uuid.uuid4(), company_id=uuid.uuid4(), version=2)


def incoming(value: bytes | None, offset: int = 0) -> Incoming:
    return Incoming(FLOW_EVENTS, 0, offset, b"key", value)


class FakeService:
    """Fails `failures` times with `unavailable`, and always on the events in `faulty`."""

    def __init__(
        self, unavailable: Exception | None = None, failures: int = 0, faulty: set[uuid.UUID] | None = None
    ):
        self.unavailable = unavailable
        self.failures = failures
        self.faulty = faulty or set()
        self.applied: list[uuid.UUID] = []

    async def handle_batch(self, events: list[Any]) -> None:
        if self.failures:
            self.failures -= 1
            assert self.unavailable is not None
            raise self.unavailable
        if any(e.event_id in self.faulty for e in events):
            raise ValueError("a defect triggered by one event")
        self.applied.extend(e.event_id for e in events)


class Sleeps:
    """Counts the waits, without waiting, and without patching asyncio.sleep for the whole loop."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class SetAside:
    def __init__(self) -> None:
        self.records: list[tuple[Incoming, str]] = []

    async def __call__(self, record: Incoming, reason: str) -> None:
        self.records.append((record, reason))


@pytest.mark.parametrize(
    "unavailable",
    [
        ConnectionRefusedError("database restarting"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CrashShutdownError("terminating connection because of crash of another server process"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.DeadlockDetectedError("deadlock detected"),
        asyncpg.SerializationError("could not serialize access"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("connection is closed"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_an_unavailable_database_is_waited_for_and_nothing_is_set_aside(unavailable: Exception) -> None:
    events = [event() for _ in range(3)]
    service, sleeps, aside = FakeService(unavailable, failures=6), Sleeps(), SetAside()
    await apply_batch(service.handle_batch, [(e, incoming(b"raw")) for e in events], aside, sleeps)
    assert service.applied == [e.event_id for e in events] and aside.records == []
    assert len(sleeps.waits) == 6 and sleeps.waits == sorted(sleeps.waits)  # backing off


async def test_a_value_the_client_cannot_encode_is_set_aside_not_waited_for_forever() -> None:
    """asyncpg reports an integer out of a column's range as an InterfaceError: not an outage."""
    service = FakeService(asyncpg_base.DataError("value out of int32 range"), failures=1)
    aside, sleeps = SetAside(), Sleeps()
    await apply_batch(service.handle_batch, [(event(), incoming(b"raw"))], aside, sleeps)
    assert len(aside.records) == 1 and "out of int32 range" in aside.records[0][1] and sleeps.waits == []


async def test_one_faulty_event_goes_to_the_dead_letters_and_the_others_are_applied() -> None:
    events = [event() for _ in range(4)]
    bad = events[2]
    service, aside = FakeService(faulty={bad.event_id}), SetAside()
    items = [(e, incoming(str(e.event_id).encode(), offset=i)) for i, e in enumerate(events)]
    await apply_batch(service.handle_batch, items, aside, Sleeps())
    assert [(r.offset, r.value) for r, _ in aside.records] == [(2, str(bad.event_id).encode())]
    assert service.applied == [e.event_id for e in events if e is not bad]


def test_undecodable_records_and_events_of_another_topic_are_set_aside_with_a_reason() -> None:
    good = event()
    records = [
        incoming(None, 0),  # a tombstone
        incoming(b"[" * 100_000 + b"]" * 100_000, 1),  # nesting deeper than the parser goes
        incoming(encode(SynergyWithdrawn(synergy_id=uuid.uuid4(), revision=1, reason="x")), 2),
        incoming(encode(good), 3),
    ]
    events, poison = decode_batch(records, (FlowDeclared, FlowRevised, FlowWithdrawn))
    assert [e for e, _ in events] == [good]
    assert [(r.offset, reason.split(":")[0]) for r, reason in poison] == [
        (0, "empty message (tombstone)"),
        (1, "undecodable message"),
        (2, "synergy.withdrawn does not belong on ecocirc.flow-events.v1"),
    ]
