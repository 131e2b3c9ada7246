"""PostgreSQL storage for intake: one transaction per use case, events enqueued in the same one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from ecocirc_intake.service_layer.principals import Advisor, CompanyPrincipal, Principal
from ecocirc_shared.db import Connection
from ecocirc_shared.events import DecisionEvent, FlowEvent, decision_key
from ecocirc_shared.flows import FlowSnapshot, Site
from ecocirc_shared.logging import get_logger
from ecocirc_shared.outbox import enqueue
from ecocirc_shared.topics import DECISION_EVENTS, FLOW_EVENTS

SCHEMA = "intake"
log = get_logger(__name__)


class CompanyRecord:
    """A company row as the use cases need it."""

    def __init__(self, row: asyncpg.Record):
        self.id: UUID = row["id"]
        self.name: str = row["name"]
        self.naf_code: str = row["naf_code"]
        self.contact_email: str = row["contact_email"]
        self.siret: str | None = row["siret"]
        self.territory: str = row["territory"]
        self.consent_to_be_named: bool = row["consent_to_be_named"]
        self.created_at: datetime = row["created_at"]
        self.updated_at: datetime = row["updated_at"]
        self.site = Site(
            lat=row["lat"],
            lon=row["lon"],
            postcode=row["postcode"],
            city=row["city"],
            commune_insee=row["commune_insee"],
            territory=row["territory"],
        )


class AdvisorRecord:
    """An advisor row."""

    def __init__(self, row: asyncpg.Record):
        self.id: UUID = row["id"]
        self.name: str = row["name"]
        self.email: str | None = row["email"]
        self.territories: list[str] = list(row["territories"])
        self.is_admin: bool = row["is_admin"]
        self.active: bool = row["active"]
        self.created_at: datetime = row["created_at"]
        self.updated_at: datetime = row["updated_at"]


class FlowRecord:
    """A flow row: its current snapshot, whether it is active, and the body as declared."""

    def __init__(self, row: asyncpg.Record):
        self.snapshot = FlowSnapshot.model_validate_json(row["snapshot"])
        self.active: bool = row["active"]
        self.declared: dict[str, Any] = json.loads(row["declared"]) if "declared" in row else {}


def _like(text: str) -> str:
    """A plain substring pattern for ILIKE: LIKE's wildcards in the text are escaped."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _company_where(
    args: list[object],
    territories: list[str] | None,
    territory: str | None,
    name: str | None,
    commune: str | None,
    prefix: str = "",
) -> str:
    clauses: list[str] = []
    if territories is not None:
        args.append(territories)
        clauses.append(f"{prefix}territory = ANY(${len(args)}::text[])")
    if territory is not None:
        args.append(territory)
        clauses.append(f"{prefix}territory = ${len(args)}")
    if name is not None:
        args.append(_like(name))
        clauses.append(f"{prefix}name ILIKE ${len(args)}")
    if commune is not None:
        args.append(_like(commune))
        clauses.append(f"({prefix}city ILIKE ${len(args)} OR {prefix}postcode ILIKE ${len(args)})")
    return " AND ".join(clauses) or "true"


class IntakeTx:
    """The operations of one transaction."""

    def __init__(self, conn: Connection, token_ttl: timedelta | None = None):
        self.conn = conn
        self.token_ttl = token_ttl  # None: the tokens this transaction issues never expire

    async def insert_advisor(
        self, advisor_id: UUID, name: str, email: str | None, territories: list[str], is_admin: bool = False
    ) -> None:
        await self.conn.execute(
            "INSERT INTO advisors (id, name, email, territories, is_admin) VALUES ($1, $2, $3, $4, $5)",
            advisor_id,
            name,
            email,
            territories,
            is_admin,
        )

    async def insert_company(self, company_id: UUID, fields: dict[str, Any], created_by: UUID | None) -> None:
        await self.conn.execute(
            """INSERT INTO companies (id, name, naf_code, contact_email, siret, postcode, city, commune_insee,
                                      lat, lon, territory, consent_to_be_named, created_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
            company_id,
            fields["name"],
            fields["naf_code"],
            fields["contact_email"],
            fields["siret"],
            fields["postcode"],
            fields["city"],
            fields["commune_insee"],
            fields["lat"],
            fields["lon"],
            fields["territory"],
            fields["consent_to_be_named"],
            created_by,
        )

    async def insert_token(
        self, token_hash: bytes, *, advisor_id: UUID | None = None, company_id: UUID | None = None
    ) -> None:
        await self.conn.execute(
            """INSERT INTO tokens (token_hash, advisor_id, company_id, expires_at)
               VALUES ($1, $2, $3, now() + $4::interval)""",
            token_hash,
            advisor_id,
            company_id,
            self.token_ttl,
        )

    async def siret_taken(self, siret: str) -> bool:
        return bool(await self.conn.fetchval("SELECT 1 FROM companies WHERE siret = $1", siret))

    async def get_company(self, company_id: UUID, *, lock: bool = False) -> CompanyRecord | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM companies WHERE id = $1" + (" FOR UPDATE" if lock else ""), company_id
        )
        return CompanyRecord(row) if row else None

    async def get_flow(self, flow_id: UUID, *, lock: bool = False) -> FlowRecord | None:
        row = await self.conn.fetchrow(
            "SELECT snapshot, active, declared FROM flows WHERE id = $1" + (" FOR UPDATE" if lock else ""),
            flow_id,
        )
        return FlowRecord(row) if row else None

    async def list_flows(
        self,
        company_id: UUID,
        *,
        active: bool | None,
        direction: str | None,
        category: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[FlowRecord], int]:
        clauses: list[str] = ["company_id = $1"]
        args: list[object] = [company_id]
        for column, value in (
            ("active", active),
            ("snapshot ->> 'direction'", direction),
            ("snapshot ->> 'category'", category),
        ):
            if value is not None:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        where = " AND ".join(clauses)
        total = await self.conn.fetchval(f"SELECT count(*) FROM flows WHERE {where}", *args)
        rows = await self.conn.fetch(
            f"SELECT snapshot, active FROM flows WHERE {where} ORDER BY created_at, id "
            f"LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
            *args,
            limit,
            offset,
        )
        return [FlowRecord(r) for r in rows], int(total)

    async def save_flow(
        self,
        snapshot: FlowSnapshot,
        declared: dict[str, Any],
        change: str,
        event: FlowEvent,
        by: UUID,
        *,
        import_key: str | None = None,
    ) -> None:
        """Store a flow version, its history row and its event, atomically."""
        doc = snapshot.model_dump_json()
        if change == "declared":
            await self.conn.execute(
                """INSERT INTO flows (id, company_id, version, snapshot, declared, import_key)
                   VALUES ($1, $2, $3, $4, $5, $6)""",
                snapshot.flow_id,
                snapshot.company_id,
                snapshot.version,
                doc,
                json.dumps(declared),
                import_key,
            )
        else:
            await self.conn.execute(
                """UPDATE flows SET version = $2, snapshot = $3, declared = $5, updated_at = now(),
                          active = $4, withdrawn_at = CASE WHEN $4 THEN NULL ELSE now() END
                   WHERE id = $1""",
                snapshot.flow_id,
                snapshot.version,
                doc,
                change != "withdrawn",
                json.dumps(declared),
            )
        await self.conn.execute(
            "INSERT INTO flow_versions (flow_id, version, change, snapshot, recorded_by) VALUES ($1, $2, $3, $4, $5)",
            snapshot.flow_id,
            snapshot.version,
            change,
            doc,
            by,
        )
        await enqueue(self.conn, SCHEMA, FLOW_EVENTS, str(snapshot.flow_id), event)
        # Written in the caller's transaction: the same ids follow the event to the matcher and the emails.
        log.info(
            "flow_change_written",
            change=change,
            flow_id=str(snapshot.flow_id),
            company_id=str(snapshot.company_id),
            version=snapshot.version,
            event_id=str(event.event_id),
        )

    async def flow_history(self, flow_id: UUID) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT version, change, snapshot, recorded_at FROM flow_versions WHERE flow_id = $1 ORDER BY version",
            flow_id,
        )
        return [
            {
                "version": r["version"],
                "change": r["change"],
                "recorded_at": r["recorded_at"],
                "flow": json.loads(r["snapshot"]) if r["snapshot"] else None,
            }
            for r in rows
        ]

    async def list_companies(
        self,
        *,
        territories: list[str] | None,
        territory: str | None,
        name: str | None,
        limit: int,
        offset: int,
        commune: str | None = None,
    ) -> tuple[list[CompanyRecord], int]:
        """Companies of some territories (None: all), optionally of one territory, matching a name, or
        in a commune (by its name or postcode)."""
        args: list[object] = []
        where = _company_where(args, territories, territory, name, commune)
        total = await self.conn.fetchval(f"SELECT count(*) FROM companies WHERE {where}", *args)
        rows = await self.conn.fetch(
            f"SELECT * FROM companies WHERE {where} ORDER BY lower(name), id "
            f"LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
            *args,
            limit,
            offset,
        )
        return [CompanyRecord(r) for r in rows], int(total)

    async def territory_flow_list(
        self,
        *,
        territories: list[str] | None,
        territory: str | None,
        name: str | None,
        commune: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[asyncpg.Record], int]:
        """The current flows of the companies of some territories (None: all), with their company's name
        and commune, by company then declaration; optionally narrowed as list_companies narrows."""
        args: list[object] = []
        where = _company_where(args, territories, territory, name, commune, prefix="c.")
        joined = f"FROM flows f JOIN companies c ON c.id = f.company_id WHERE f.active AND {where}"
        total = await self.conn.fetchval(f"SELECT count(*) {joined}", *args)
        rows = await self.conn.fetch(
            f"""SELECT f.snapshot, c.id AS company_id, c.name AS company_name, c.city, c.postcode, c.territory
                {joined} ORDER BY lower(c.name), c.id, f.created_at, f.id
                LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}""",
            *args,
            limit,
            offset,
        )
        return list(rows), int(total)

    async def flow_counts(self, company_ids: list[UUID]) -> dict[UUID, tuple[int, int]]:
        """Each company's current offers and needs."""
        rows = await self.conn.fetch(
            """SELECT company_id,
                      count(*) FILTER (WHERE snapshot ->> 'direction' = 'offer') AS offers,
                      count(*) FILTER (WHERE snapshot ->> 'direction' = 'need') AS needs
               FROM flows WHERE active AND company_id = ANY($1::uuid[]) GROUP BY company_id""",
            company_ids,
        )
        return {r["company_id"]: (int(r["offers"]), int(r["needs"])) for r in rows}

    async def territory_counts(self, territories: list[str] | None) -> asyncpg.Record:
        """How many companies, and current offers and needs, some territories (None: all) hold."""
        row = await self.conn.fetchrow(
            """SELECT (SELECT count(*) FROM companies WHERE $1::text[] IS NULL OR territory = ANY($1)) AS companies,
                      count(f.id) FILTER (WHERE f.snapshot ->> 'direction' = 'offer') AS offers,
                      count(f.id) FILTER (WHERE f.snapshot ->> 'direction' = 'need') AS needs
               FROM flows f JOIN companies c ON c.id = f.company_id
               WHERE f.active AND ($1::text[] IS NULL OR c.territory = ANY($1))""",
            territories,
        )
        assert row is not None
        return row

    async def known_territories(self) -> list[str]:
        """The territories the programme's companies are in."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT territory FROM companies WHERE territory IS NOT NULL ORDER BY territory"
        )
        return [r["territory"] for r in rows]

    async def advisors_following(self, territories: list[str] | None) -> list[AdvisorRecord]:
        """The active advisors following any of some territories (None: every active advisor)."""
        rows = await self.conn.fetch(
            """SELECT * FROM advisors WHERE active
                 AND ($1::text[] IS NULL OR territories && $1 OR '*' = ANY(territories))
               ORDER BY lower(name), id""",
            territories,
        )
        return [AdvisorRecord(r) for r in rows]

    async def update_company(self, company_id: UUID, changes: dict[str, Any]) -> None:
        """Set contact_email or consent_to_be_named (the only columns changed here)."""
        allowed = {"contact_email", "consent_to_be_named"}
        columns = [column for column in changes if column in allowed]
        if not columns:
            return
        sets = ", ".join(f"{column} = ${index}" for index, column in enumerate(columns, start=2))
        await self.conn.execute(
            f"UPDATE companies SET {sets}, updated_at = now() WHERE id = $1",
            company_id,
            *(changes[column] for column in columns),
        )

    async def find_company(
        self, *, siret: str | None, name: str, commune_insee: str | None
    ) -> CompanyRecord | None:
        """The company an import row designates: by SIRET when given, else by name and commune."""
        if siret is not None:
            row = await self.conn.fetchrow("SELECT * FROM companies WHERE siret = $1", siret)
        else:
            row = await self.conn.fetchrow(
                """SELECT * FROM companies WHERE lower(name) = lower($1) AND commune_insee IS NOT DISTINCT FROM $2
                   ORDER BY created_at LIMIT 1""",
                name,
                commune_insee,
            )
        return CompanyRecord(row) if row else None

    async def flow_by_import_key(self, company_id: UUID, import_key: str) -> FlowRecord | None:
        row = await self.conn.fetchrow(
            "SELECT snapshot, active, declared FROM flows WHERE company_id = $1 AND import_key = $2 AND active FOR UPDATE",
            company_id,
            import_key,
        )
        return FlowRecord(row) if row else None

    async def territory_companies(self, territory: str | None) -> list[asyncpg.Record]:
        """The companies of a territory (None: every one), with their current offers and needs counted."""
        return list(
            await self.conn.fetch(
                """SELECT c.id, c.name, c.naf_code, c.city, c.postcode, c.lat, c.lon, c.territory, c.created_at,
                          count(f.id) FILTER (WHERE f.active AND f.snapshot ->> 'direction' = 'offer') AS offers,
                          count(f.id) FILTER (WHERE f.active AND f.snapshot ->> 'direction' = 'need') AS needs
                   FROM companies c LEFT JOIN flows f ON f.company_id = c.id
                   WHERE $1::text IS NULL OR c.territory = $1
                   GROUP BY c.id ORDER BY lower(c.name), c.id""",
                territory,
            )
        )

    async def territory_flows(self, territory: str | None) -> list[asyncpg.Record]:
        """Every flow ever declared by the companies of a territory (None: every one), withdrawn ones too."""
        return list(
            await self.conn.fetch(
                """SELECT f.created_at, f.withdrawn_at, f.snapshot ->> 'direction' AS direction
                   FROM flows f JOIN companies c ON c.id = f.company_id
                   WHERE $1::text IS NULL OR c.territory = $1""",
                territory,
            )
        )

    async def territories(self) -> list[str]:
        """Every territory some company belongs to, in order."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT territory FROM companies WHERE territory IS NOT NULL ORDER BY territory"
        )
        return [r["territory"] for r in rows]

    async def company_sites(self, company_ids: list[UUID]) -> dict[UUID, asyncpg.Record]:
        rows = await self.conn.fetch(
            "SELECT id, lat, lon, territory FROM companies WHERE id = ANY($1::uuid[])", company_ids
        )
        return {r["id"]: r for r in rows}

    async def get_advisor(self, advisor_id: UUID) -> AdvisorRecord | None:
        row = await self.conn.fetchrow("SELECT * FROM advisors WHERE id = $1", advisor_id)
        return AdvisorRecord(row) if row else None

    async def list_advisors(self, *, limit: int, offset: int) -> tuple[list[AdvisorRecord], int]:
        total = await self.conn.fetchval("SELECT count(*) FROM advisors")
        rows = await self.conn.fetch(
            "SELECT * FROM advisors ORDER BY created_at, id LIMIT $1 OFFSET $2", limit, offset
        )
        return [AdvisorRecord(r) for r in rows], int(total)

    async def revoke_tokens(
        self, reason: str, *, advisor_id: UUID | None = None, company_id: UUID | None = None
    ) -> int:
        """Revoke every live token of one principal; return how many were."""
        column, owner = ("advisor_id", advisor_id) if advisor_id is not None else ("company_id", company_id)
        status = await self.conn.execute(
            f"UPDATE tokens SET revoked_at = now(), revoked_reason = $2 WHERE {column} = $1 AND revoked_at IS NULL",
            owner,
            reason,
        )
        return int(status.split()[-1])

    async def revoke_token(self, token_hash: bytes, reason: str) -> bool:
        status = await self.conn.execute(
            "UPDATE tokens SET revoked_at = now(), revoked_reason = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
            token_hash,
            reason,
        )
        return status.split()[-1] == "1"

    async def enqueue_decision(self, event: DecisionEvent) -> None:
        """A decision for the notifier, published after commit; keyed so that one subject's stay in order."""
        await enqueue(self.conn, SCHEMA, DECISION_EVENTS, decision_key(event), event)

    async def update_advisor(self, advisor_id: UUID, changes: dict[str, Any]) -> None:
        """Set some of email, territories, active (the only columns changed here)."""
        allowed = {"email", "territories", "active"}
        columns = [column for column in changes if column in allowed]
        if not columns:
            return
        sets = ", ".join(f"{column} = ${index}" for index, column in enumerate(columns, start=2))
        await self.conn.execute(
            f"UPDATE advisors SET {sets}, updated_at = now() WHERE id = $1",
            advisor_id,
            *(changes[column] for column in columns),
        )

    async def lock(self, key: str) -> None:
        """Serialise transactions on one key until commit (e.g. two imports by the same advisor)."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", key)

    async def insert_import(
        self,
        import_id: UUID,
        advisor_id: UUID,
        file_sha256: bytes,
        filename: str | None,
        summary: dict[str, Any],
    ) -> None:
        await self.conn.execute(
            "INSERT INTO imports (id, advisor_id, file_sha256, filename, summary) VALUES ($1, $2, $3, $4, $5)",
            import_id,
            advisor_id,
            file_sha256,
            filename,
            json.dumps(summary),
        )


class IntakeStore:
    """Entry point to intake's PostgreSQL data."""

    def __init__(self, pool: asyncpg.Pool, token_ttl_days: int = 0):
        self.pool = pool
        self.token_ttl = timedelta(days=token_ttl_days) if token_ttl_days > 0 else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[IntakeTx]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield IntakeTx(conn, self.token_ttl)

    async def principal_for(self, token_hash: bytes) -> Principal | None:
        row = await self.pool.fetchrow(
            """SELECT t.company_id, a.id AS advisor_id, a.name, a.territories, a.is_admin
               FROM tokens t LEFT JOIN advisors a ON a.id = t.advisor_id
               WHERE t.token_hash = $1 AND t.revoked_at IS NULL
                 AND (t.expires_at IS NULL OR t.expires_at > now())
                 AND (t.advisor_id IS NULL OR a.active)""",
            token_hash,
        )
        if row is None:
            return None
        if row["company_id"] is not None:
            return CompanyPrincipal(row["company_id"])
        return Advisor(row["advisor_id"], row["name"], tuple(row["territories"]), row["is_admin"])

    async def ensure_admin(self, token_hash: bytes, email: str | None = None) -> None:
        """Make the configured admin token valid (and only it): the admin is an advisor of every territory.

        The admin has a mailbox only if one is configured (ECOCIRC_ADMIN_EMAIL): without it, it
        receives no email and is nobody's contact.
        """
        async with self.transaction() as tx:
            admin_id = await tx.conn.fetchval(
                "SELECT id FROM advisors WHERE is_admin ORDER BY created_at LIMIT 1"
            )
            if admin_id is None:
                admin_id = UUID("00000000-0000-4000-8000-000000000001")
                await tx.insert_advisor(admin_id, "Administrateur", email, ["*"], is_admin=True)
            else:
                await tx.conn.execute(
                    "UPDATE advisors SET email = $2, active = true WHERE id = $1 AND email IS DISTINCT FROM $2",
                    admin_id,
                    email,
                )
            await tx.conn.execute(
                "UPDATE tokens SET revoked_at = now() WHERE advisor_id = $1 AND token_hash <> $2 AND revoked_at IS NULL",
                admin_id,
                token_hash,
            )
            await tx.conn.execute(
                """INSERT INTO tokens (token_hash, advisor_id) VALUES ($1, $2)
                   ON CONFLICT (token_hash) DO UPDATE SET revoked_at = NULL WHERE tokens.advisor_id = $2""",
                token_hash,
                admin_id,
            )

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1")
