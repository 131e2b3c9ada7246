"""The notifier wired to real PostgreSQL and SMTP, with a clock the tests move instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import email
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.bootstrap import MIGRATIONS as INTAKE_MIGRATIONS
from ecocirc_intake.bootstrap import create_app
from ecocirc_intake.service_layer.principals import hash_token
from ecocirc_notifier.bootstrap import Notifier as Services
from ecocirc_notifier.bootstrap import build
from ecocirc_notifier.entrypoints.consumer import consume
from ecocirc_notifier.options import NotifierOptions
from ecocirc_notifier.service_layer.decisions import DecisionApplier
from ecocirc_notifier.service_layer.delivery import Deliverer, Sender
from ecocirc_notifier.service_layer.recording import Recorder
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.settings import Settings
from ecocirc_shared.synergies import Participant, Role, SynergySnapshot
from tests.conftest import Mailbox

ADMIN_TOKEN = "admin-token-for-the-notifier-tests"
# Here the admin has a mailbox (ECOCIRC_ADMIN_EMAIL), so it hears of every synergy like an advisor of
# every territory; test_admin.py checks that without one it hears of nothing.
ADMIN_EMAIL = "admin@cci.example"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class People:
    """Companies and advisors written straight into intake's tables, each with a unique email: the
    tests stand in for intake, whose read contract (intake_read) the notifier reads them through."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def company(self, name: str, territory: str = "32", *, consent: bool = False) -> uuid.UUID:
        company_id = uuid.uuid4()
        await self.pool.execute(
            """INSERT INTO intake.companies (id, name, naf_code, contact_email, lat, lon, territory,
                                             consent_to_be_named)
               VALUES ($1, $2, '16.10A', $3, 43.49, 0.93, $4, $5)""",
            company_id,
            name,
            f"{name.lower()}-{company_id.hex[:6]}@example.org",
            territory,
            consent,
        )
        return company_id

    async def advisor(self, name: str, territories: list[str]) -> tuple[uuid.UUID, str]:
        advisor_id, token = uuid.uuid4(), f"advisor-token-{uuid.uuid4().hex}"
        await self.pool.execute(
            "INSERT INTO intake.advisors (id, name, email, territories) VALUES ($1, $2, $3, $4)",
            advisor_id,
            name,
            f"{name.lower()}-{advisor_id.hex[:6]}@cci.example",
            territories,
        )
        await self.pool.execute(
            "INSERT INTO intake.tokens (token_hash, advisor_id) VALUES ($1, $2)",
            hash_token(token),
            advisor_id,
        )
        return advisor_id, token

    async def company_token(self, company_id: uuid.UUID) -> str:
        token = f"company-token-{uuid.uuid4().hex}"
        await self.pool.execute(
            "INSERT INTO intake.tokens (token_hash, company_id) VALUES ($1, $2)",
            hash_token(token),
            company_id,
        )
        return token


@dataclass
class Notifier:
    settings: Settings
    pool: asyncpg.Pool
    recorder: Recorder
    decisions: DecisionApplier
    deliverer: Deliverer
    people: People
    clock: FakeClock
    options: NotifierOptions
    services: Services
    extra: list[asyncpg.Pool] = field(default_factory=list)

    def with_sender(self, sender: Sender) -> Deliverer:
        d = self.deliverer
        return Deliverer(
            d.pool,
            sender,
            d.email_settings,
            d.mail_from,
            options=d.options,
            mail_domain=d.mail_domain,
            clock=d.clock,
        )

    async def deliveries(self, synergy_id: uuid.UUID) -> list[asyncpg.Record]:
        return list(
            await self.pool.fetch(
                "SELECT * FROM deliveries WHERE synergy_id = $1 ORDER BY recipient_kind, email", synergy_id
            )
        )


MakeNotifier = Callable[..., Any]


@pytest.fixture
async def make_notifier(make_settings: Callable[..., Settings]) -> AsyncIterator[MakeNotifier]:
    pools: list[asyncpg.Pool] = []

    async def make(
        options: NotifierOptions | None = None, admin_email: str | None = ADMIN_EMAIL, **overrides: Any
    ) -> Notifier:
        settings = make_settings(admin_token=ADMIN_TOKEN, admin_email=admin_email, **overrides)
        intake_pool = await create_pool(settings, "intake")
        await migrate(intake_pool, "intake", INTAKE_MIGRATIONS)
        await IntakeStore(intake_pool).ensure_admin(hash_token(ADMIN_TOKEN), settings.admin_email)
        clock = FakeClock()
        opts = options or NotifierOptions(hold=timedelta(0), max_hold=timedelta(0))
        built = await build(settings, options=opts, clock=clock)
        pools.extend([built.pool, intake_pool])
        return Notifier(
            settings,
            built.pool,
            built.recorder,
            built.decisions,
            built.deliverer,
            People(intake_pool),
            clock,
            opts,
            built,
        )

    yield make
    for pool in pools:
        await pool.close()


@pytest.fixture
async def notifier(make_notifier: MakeNotifier) -> Notifier:
    made: Notifier = await make_notifier()
    return made


@dataclass
class Api:
    http: httpx.AsyncClient

    async def get(self, path: str, token: str = ADMIN_TOKEN, **params: Any) -> Any:
        r = await self.http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        return r.json()

    async def post(self, path: str, body: dict[str, Any], token: str = ADMIN_TOKEN) -> httpx.Response:
        return await self.http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})

    async def put(self, path: str, body: dict[str, Any], token: str = ADMIN_TOKEN) -> httpx.Response:
        return await self.http.put(path, json=body, headers={"Authorization": f"Bearer {token}"})

    async def patch(self, path: str, body: dict[str, Any], token: str = ADMIN_TOKEN) -> httpx.Response:
        return await self.http.patch(path, json=body, headers={"Authorization": f"Bearer {token}"})

    async def advisor(self, name: str, territories: list[str]) -> tuple[uuid.UUID, str, str]:
        """An advisor registered through the API: (id, token, email)."""
        address = f"{name.lower()}-{uuid.uuid4().hex[:6]}@cci.example"
        r = await self.post("/v1/advisors", {"name": name, "email": address, "territories": territories})
        assert r.status_code == 201, r.text
        return uuid.UUID(r.json()["id"]), r.json()["token"], address


@pytest.fixture
async def setup(make_notifier: MakeNotifier) -> AsyncIterator[tuple[Notifier, Api]]:
    """Intake and the notifier as in production: decisions cross intake's outbox and the broker."""
    n: Notifier = await make_notifier()
    app = create_app(n.settings)
    consumer = asyncio.create_task(consume(n.settings, n.services, group=f"api-{uuid.uuid4().hex[:8]}"))
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
        ):
            yield n, Api(http)
    finally:
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer


def synergy(
    a: uuid.UUID,
    b: uuid.UUID,
    revision: int = 1,
    score: float = 0.8,
    synergy_id: uuid.UUID | None = None,
    *,
    b_confidentiality: Confidentiality = Confidentiality.PUBLIC,
    territories: tuple[str, ...] = ("32",),
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
                company_id=a,
                flow_id=uuid.uuid4(),
                role=Role.SUPPLIER,
                flow_label="Sciures",
                territory=territories[0],
            ),
            Participant(
                company_id=b,
                flow_id=uuid.uuid4(),
                role=Role.RECEIVER,
                flow_label="Litière",
                territory=territories[-1],
                confidentiality=b_confidentiality,
            ),
        ),
        distance_km=5.2,
        explanation="Une scierie à 5 km produit des sciures ; un élevage en cherche.",
        territories=territories,
        knowledge_version="test",
    )


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def sent_to(mailbox: Mailbox | Path, marker: str) -> list[EmailMessage]:
    paths = sorted((mailbox if isinstance(mailbox, Path) else mailbox.directory).glob("*.eml"))
    return [m for m in (parse(p.read_bytes()) for p in paths) if marker in str(m["To"])]


def subjects(mailbox: Mailbox | Path, marker: str) -> list[str]:
    return [str(m["Subject"]) for m in sent_to(mailbox, marker)]


class FlakySender:
    def __init__(self, failures: int):
        self.failures = failures
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionRefusedError("SMTP down")
        self.sent.append(message)
