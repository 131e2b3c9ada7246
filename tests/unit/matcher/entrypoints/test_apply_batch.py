"""The worker's batch loop: waits out an unavailable database, and sets aside only a faulty event."""

from __future__ import annotations

import uuid
from typing import Any

from ecocirc_matcher.entrypoints import worker
from ecocirc_shared.events import FlowWithdrawn


def event() -> FlowWithdrawn:
    return FlowWithdrawn(flow_id=uuid.uuid4(), company_id=uuid.uuid4(), version=2)


class FakeService:
    def __init__(self, unavailable_times: int = 0, faulty: set[uuid.UUID] | None = None):
        self.unavailable_times = unavailable_times
        self.faulty = faulty or set()
        self.applied: list[uuid.UUID] = []

    async def handle_batch(self, events: list[Any]) -> None:
        if self.unavailable_times:
            self.unavailable_times -= 1
            raise ConnectionRefusedError("database restarting")
        if any(e.event_id in self.faulty for e in events):
            raise ValueError("a defect triggered by one event")
        self.applied.extend(e.event_id for e in events)


async def instant(_: float) -> None:
    """No real waiting, without patching asyncio.sleep, which the loop's other tasks use too."""


async def test_an_unavailable_database_is_waited_for_and_nothing_is_set_aside() -> None:
    events = [event() for _ in range(3)]
    service, dead = FakeService(unavailable_times=4), []

    async def to_dead(raw: bytes) -> None:
        dead.append(raw)

    await worker.apply_batch(service, [(e, b"raw") for e in events], to_dead, instant)  # type: ignore[arg-type]
    assert service.applied == [e.event_id for e in events] and dead == []


async def test_one_faulty_event_goes_to_the_dead_letters_and_the_others_are_applied() -> None:
    events = [event() for _ in range(4)]
    bad = events[2]
    service, dead = FakeService(faulty={bad.event_id}), []

    async def to_dead(raw: bytes) -> None:
        dead.append(raw)

    await worker.apply_batch(service, [(e, str(e.event_id).encode()) for e in events], to_dead, instant)  # type: ignore[arg-type]
    assert dead == [str(bad.event_id).encode()]
    assert service.applied == [e.event_id for e in events if e is not bad]
