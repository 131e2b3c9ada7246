"""The notifier against real PostgreSQL and SMTP: each news once per recipient, withdrawals only to
those told, nothing about a synergy withdrawn before sending, SMTP failures retried then recorded."""

from __future__ import annotations

import email
import uuid
from collections.abc import AsyncIterator, Callable
from email import policy
from email.message import EmailMessage
from typing import Any

import asyncpg
import pytest

from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.bootstrap import MIGRATIONS as INTAKE_MIGRATIONS
from ecocirc_intake.service_layer.principals import hash_token
from ecocirc_notifier.bootstrap import build
from ecocirc_notifier.service_layer.delivery import MAX_ATTEMPTS, Deliverer
from ecocirc_notifier.service_layer.recording import Recorder
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.events import SynergyProposed, SynergyRevised, SynergyWithdrawn
from ecocirc_shared.settings import Settings
from ecocirc_shared.synergies import Participant, Role, SynergySnapshot
from tests.conftest import Mailbox

pytestmark = pytest.mark.integration


class Directory:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def company(self, name: str, territory: str = "32") -> uuid.UUID:
        company_id = uuid.uuid4()
        async with self.pool.acquire() as conn:
            await conn.execute(
                """INSERT INTO intake.companies (id, name, naf_code, contact_email, lat, lon, territory)
                   VALUES ($1, $2, '16.10A', $3, 43.49, 0.93, $4)""",
                company_id,
                name,
                f"{name.lower()}-{company_id.hex[:6]}@example.org",
                territory,
            )
        return company_id


@pytest.fixture
async def notifier(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[Recorder, Deliverer, Directory]]:
    settings = make_settings()
    intake_pool = await create_pool(settings, "intake")
    await migrate(intake_pool, "intake", INTAKE_MIGRATIONS)
    await IntakeStore(intake_pool).ensure_admin(hash_token("admin-token-for-the-notifier-tests"))
    pool, recorder, deliverer = await build(settings)
    yield recorder, deliverer, Directory(intake_pool)
    await pool.close()
    await intake_pool.close()


def synergy(
    a: uuid.UUID, b: uuid.UUID, revision: int = 1, score: float = 0.8, synergy_id: uuid.UUID | None = None
) -> SynergySnapshot:
    return SynergySnapshot(
        synergy_id=synergy_id or uuid.uuid4(),
        revision=revision,
        kind="substitution",
        resource_class="wood",
        resource_label="sciures de bois",
        score=score,
        score_parts={"resource": 1.0, "distance": 0.8},
        participants=(
            Participant(
                company_id=a, flow_id=uuid.uuid4(), role=Role.SUPPLIER, flow_label="Sciures", territory="32"
            ),
            Participant(
                company_id=b, flow_id=uuid.uuid4(), role=Role.RECEIVER, flow_label="Litière", territory="32"
            ),
        ),
        distance_km=5.2,
        explanation="Une scierie à 5 km produit des sciures ; un élevage en cherche.",
        territories=("32",),
        knowledge_version="test",
    )


def sent_to(mailbox: Mailbox, marker: str) -> list[str]:
    found = []
    for raw in mailbox.messages():
        msg = email.message_from_bytes(raw, policy=policy.default)
        if marker in str(msg["To"]):
            found.append(str(msg["Subject"]))
    return found


async def test_each_news_once_and_withdrawal_to_those_told(notifier, smtp: Mailbox) -> None:  # type: ignore[no-untyped-def]
    recorder, deliverer, directory = notifier
    a, b = await directory.company("Scierie"), await directory.company("Elevage")
    s1 = synergy(a, b)
    assert await recorder.handle(SynergyProposed(synergy=s1)) == "recorded"
    assert await recorder.handle(SynergyProposed(synergy=s1)) == "duplicate"  # redelivery
    await deliverer.deliver_due()
    tag = a.hex[:6]
    assert len(sent_to(smtp, tag)) == 1
    # A revision with another score is not news; the replayed old revision is ignored.
    await recorder.handle(SynergyRevised(synergy=s1.model_copy(update={"revision": 2, "score": 0.9})))
    await recorder.handle(SynergyProposed(synergy=s1))
    await deliverer.deliver_due()
    assert len(sent_to(smtp, tag)) == 1
    await recorder.handle(SynergyWithdrawn(synergy_id=s1.synergy_id, revision=3, reason="flow_withdrawn"))
    await recorder.handle(SynergyWithdrawn(synergy_id=s1.synergy_id, revision=3, reason="flow_withdrawn"))
    await deliverer.deliver_due()
    subjects = sent_to(smtp, tag)
    assert len(subjects) == 2 and "retirée" in subjects[1]
    assert len(sent_to(smtp, b.hex[:6])) == 2
    assert len([s for s in sent_to(smtp, "admin@localhost") if "sciures" in s]) >= 2


async def test_nobody_hears_of_a_synergy_withdrawn_before_sending(notifier, smtp: Mailbox) -> None:  # type: ignore[no-untyped-def]
    recorder, deliverer, directory = notifier
    a, b = await directory.company("Brasserie"), await directory.company("Ferme")
    s1 = synergy(a, b)
    await recorder.handle(SynergyProposed(synergy=s1))
    await recorder.handle(SynergyWithdrawn(synergy_id=s1.synergy_id, revision=2, reason="flow_withdrawn"))
    await deliverer.deliver_due()
    assert sent_to(smtp, a.hex[:6]) == [] and sent_to(smtp, b.hex[:6]) == []


async def test_below_threshold_reaches_no_company(notifier, smtp: Mailbox) -> None:  # type: ignore[no-untyped-def]
    recorder, deliverer, directory = notifier
    a, b = await directory.company("Garage"), await directory.company("Fonderie")
    await recorder.handle(SynergyProposed(synergy=synergy(a, b, score=0.1)))
    await deliverer.deliver_due()
    assert sent_to(smtp, a.hex[:6]) == []


class FlakySender:
    def __init__(self, failures: int):
        self.failures = failures
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionRefusedError("SMTP down")
        self.sent.append(message)


async def test_smtp_failures_are_retried_then_recorded_as_failed(notifier) -> None:  # type: ignore[no-untyped-def]
    recorder, deliverer, directory = notifier
    a, b = await directory.company("Laiterie"), await directory.company("Porcherie")
    await recorder.handle(SynergyProposed(synergy=synergy(a, b)))
    flaky = FlakySender(failures=1)
    retrying = Deliverer(deliverer.pool, flaky, deliverer.email_settings, deliverer.mail_from)
    await retrying.deliver_due()
    assert len(flaky.sent) == 2  # the first attempt failed; the other two recipients were served
    async with deliverer.pool.acquire() as conn:
        # Make the retry due now instead of waiting for the backoff.
        await conn.execute("UPDATE deliveries SET next_attempt_at = now() WHERE status = 'pending'")
    await retrying.deliver_due()
    assert len(flaky.sent) == 3  # two companies and the admin, each once

    c, d = await directory.company("Imprimerie"), await directory.company("Cartonnerie")
    await recorder.handle(SynergyProposed(synergy=synergy(c, d)))
    dead = Deliverer(
        deliverer.pool, FlakySender(failures=10_000), deliverer.email_settings, deliverer.mail_from
    )
    for _ in range(MAX_ATTEMPTS):
        async with deliverer.pool.acquire() as conn:
            await conn.execute("UPDATE deliveries SET next_attempt_at = now() WHERE status = 'pending'")
        await dead.deliver_due()
    async with deliverer.pool.acquire() as conn:
        rows: list[Any] = await conn.fetch(
            "SELECT status, attempts, last_error FROM deliveries WHERE email LIKE $1", f"%{c.hex[:6]}%"
        )
    assert [(r["status"], r["attempts"]) for r in rows] == [("failed", MAX_ATTEMPTS)]
    assert "SMTP down" in rows[0]["last_error"]
