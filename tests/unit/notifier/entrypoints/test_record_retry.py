"""The consumer's recording step: waits out an unavailable database, sets aside a faulty event."""

from __future__ import annotations

import uuid
from typing import Any

from ecocirc_notifier.entrypoints import consumer
from ecocirc_shared.events import SynergyWithdrawn


class FlakyRecorder:
    def __init__(self, unavailable_times: int = 0, defect: bool = False):
        self.unavailable_times = unavailable_times
        self.defect = defect

    async def handle(self, event: Any) -> str:
        if self.unavailable_times:
            self.unavailable_times -= 1
            raise ConnectionRefusedError("database restarting")
        if self.defect:
            raise KeyError("a defect triggered by this event")
        return "recorded"


async def instant(_: float) -> None:
    """No real waiting, without patching asyncio.sleep, which the loop's other tasks use too."""


def withdrawal() -> SynergyWithdrawn:
    return SynergyWithdrawn(synergy_id=uuid.uuid4(), revision=2, reason="flow_withdrawn")


async def test_an_unavailable_database_is_waited_for() -> None:
    assert await consumer.record(FlakyRecorder(unavailable_times=5), withdrawal(), instant) == "recorded"  # type: ignore[arg-type]


async def test_a_defect_sets_the_event_aside_instead_of_stopping_the_consumer() -> None:
    assert await consumer.record(FlakyRecorder(defect=True), withdrawal(), instant) is None  # type: ignore[arg-type]
