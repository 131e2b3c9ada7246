"""What intake serves of the notifier's state, read through the notifier's read contract
(`notifier_read` views, docs/boundaries.md): synergies scoped to the caller with their place in the
pipeline, follow-up history, outcomes, review mode, email preferences, and the outcome of the
decisions intake sent.

The notifier creates the views at its first start; until then intake answers as if they were empty.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from ecocirc_shared.db import Connection
from ecocirc_shared.followup import OPEN
from ecocirc_shared.synergies import SynergySnapshot
from ecocirc_shared.territories import ALL_TERRITORIES

Reader = Connection | asyncpg.Pool


@asynccontextmanager
async def _contract(reader: Reader) -> AsyncIterator[None]:
    """Reads a view of the contract; inside the caller's transaction, in a savepoint, so that a view not
    created yet (UndefinedTableError, handled by the caller) does not abort that transaction."""
    if isinstance(reader, asyncpg.Pool):
        yield
        return
    async with reader.transaction():
        yield


@dataclass(frozen=True)
class Pipeline:
    """Where people have a lead: who owns it, what is next, why it was abandoned, who recorded it."""

    origin: str = "matcher"
    recorded_by: UUID | None = None
    owner_id: UUID | None = None
    next_action_on: date | None = None
    abandon_reason: str | None = None
    abandon_comment: str | None = None
    moved_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class StoredSynergy:
    snapshot: SynergySnapshot
    status: str
    updated_at: datetime
    active: bool = True
    released: bool = True
    # Territories in review mode holding the companies' emails (empty once released).
    held_by: tuple[str, ...] = ()
    pipeline: Pipeline = Pipeline()
    # Every participant said yes: names and exact figures for all (ecocirc_shared.visibility). The
    # answer flow fills it from an `introduced_at` column it adds to notifier_read.synergies_v2.
    introduced: bool = False


@dataclass(frozen=True)
class Filters:
    """What an advisor narrows a list of leads to (a company's list takes none but its own status and kind)."""

    statuses: tuple[str, ...] = ()
    kind: str | None = None
    owner_id: UUID | None = None
    territory: str | None = None
    resource_class: str | None = None
    min_score: float | None = None
    # Only the leads of one of these companies (None: any; empty: none).
    company_ids: tuple[UUID, ...] | None = None
    # Only the open leads whose next action was due before this day.
    overdue_on: date | None = None


@dataclass(frozen=True)
class Scope:
    """What a caller may see: one company's synergies, or those touching some territories ("*": all)."""

    company_id: UUID | None = None
    territories: tuple[str, ...] = ()


def _where(scope: Scope, filter_company: UUID | None, include_withdrawn: bool) -> tuple[str, list[object]]:
    # A lead the matcher withdrew before anyone took it up is left out; one people took up stays.
    clauses: list[str] = [] if include_withdrawn else ["status <> 'withdrawn'"]
    args: list[object] = []
    if scope.company_id is not None:
        # company_viewers holds the participants once the synergy is released to them (review mode).
        args.append(scope.company_id)
        clauses.append(f"${len(args)} = ANY(company_viewers)")
    elif ALL_TERRITORIES not in scope.territories:
        args.append(list(scope.territories))
        clauses.append(f"territories && ${len(args)}::text[]")
    if filter_company is not None and scope.company_id is not None and filter_company != scope.company_id:
        # A company may filter on itself only: filtering on another id would tell it whether that
        # company is its counterpart, named or not.
        clauses.append("false")
    elif filter_company is not None:
        args.append(filter_company)
        clauses.append(f"${len(args)} = ANY(company_ids)")
    return (" AND ".join(clauses) or "true"), args


def _stored(r: asyncpg.Record) -> StoredSynergy:
    return StoredSynergy(
        SynergySnapshot.model_validate_json(r["snapshot"]),
        r["status"],
        r["updated_at"],
        r["active"],
        r["released"],
        tuple(r["held_by"]),
        Pipeline(
            origin=r["origin"],
            recorded_by=r["recorded_by"],
            owner_id=r["owner_id"],
            next_action_on=r["next_action_on"],
            abandon_reason=r["abandon_reason"],
            abandon_comment=r["abandon_comment"],
            moved_at=r["moved_at"],
            created_at=r["created_at"],
        ),
    )


_COLUMNS = (
    "snapshot, status, updated_at, active, released, held_by, origin, recorded_by, owner_id, next_action_on, "
    "abandon_reason, abandon_comment, moved_at, created_at"
)
_SYNERGIES = "notifier_read.synergies_v2"


def _filtered(where: str, args: list[object], scope: Scope, filters: Filters) -> str:
    clauses = [where]
    if filters.statuses:
        args.append(list(filters.statuses))
        clauses.append(f"status = ANY(${len(args)}::text[])")
    if filters.kind is not None:
        args.append(filters.kind)
        clauses.append(f"kind = ${len(args)}")
    if filters.resource_class is not None:
        args.append(filters.resource_class)
        clauses.append(f"snapshot ->> 'resource_class' = ${len(args)}")
    if filters.min_score is not None:
        args.append(filters.min_score)
        clauses.append(f"score >= ${len(args)}")
    advisors_only = (filters.owner_id, filters.territory, filters.company_ids, filters.overdue_on)
    if scope.company_id is not None and any(f is not None for f in advisors_only):
        # Who follows a lead, where and when is the advisors' business, and filtering on other companies
        # would tell a company who its unnamed counterparts are: a company filtering on it gets nothing.
        clauses.append("false")
    if filters.company_ids is not None:
        args.append(list(filters.company_ids))
        clauses.append(f"company_ids && ${len(args)}::uuid[]")
    if filters.overdue_on is not None:
        args.append(filters.overdue_on)
        clauses.append(f"next_action_on < ${len(args)} AND status = ANY(${len(args) + 1}::text[])")
        args.append(sorted(OPEN))
    if filters.owner_id is not None:
        args.append(filters.owner_id)
        clauses.append(f"owner_id = ${len(args)}")
    if filters.territory is not None:
        args.append(filters.territory)
        clauses.append(f"${len(args)} = ANY(territories)")
    return " AND ".join(clauses)


async def list_synergies(
    pool: asyncpg.Pool,
    scope: Scope,
    *,
    company_id: UUID | None,
    include_withdrawn: bool,
    limit: int,
    offset: int,
    filters: Filters = Filters(),
) -> tuple[list[StoredSynergy], int]:
    where, args = _where(scope, company_id, include_withdrawn)
    where = _filtered(where, args, scope, filters)
    try:
        rows = await pool.fetch(
            f"SELECT {_COLUMNS}, count(*) OVER () AS total FROM {_SYNERGIES} WHERE {where} "
            f"ORDER BY score DESC, synergy_id LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
            *args,
            limit,
            offset,
        )
        if rows:
            total = int(rows[0]["total"])
        else:
            # An offset past the end returns no row to carry the window count.
            total = int(await pool.fetchval(f"SELECT count(*) FROM {_SYNERGIES} WHERE {where}", *args))
    except asyncpg.UndefinedTableError:
        return [], 0
    return [_stored(r) for r in rows], total


@dataclass(frozen=True)
class LeadCount:
    """How many leads share a status, a kind and a resource class (the class's label beside it)."""

    status: str
    kind: str
    resource_class: str
    resource_label: str
    count: int


async def lead_counts(
    pool: asyncpg.Pool, scope: Scope, *, include_withdrawn: bool = False, filters: Filters = Filters()
) -> list[LeadCount]:
    """The leads a caller may see, counted by status, kind and resource class."""
    where, args = _where(scope, None, include_withdrawn)
    where = _filtered(where, args, scope, filters)
    try:
        rows = await pool.fetch(
            f"""SELECT status, kind, snapshot ->> 'resource_class' AS resource_class,
                       min(snapshot ->> 'resource_label') AS resource_label, count(*) AS count
                FROM {_SYNERGIES} WHERE {where} GROUP BY 1, 2, 3""",
            *args,
        )
    except asyncpg.UndefinedTableError:
        return []
    return [LeadCount(**dict(r)) for r in rows]


async def get_synergy(conn: Reader, scope: Scope, synergy_id: UUID) -> StoredSynergy | None:
    where, args = _where(scope, None, include_withdrawn=True)
    args.append(synergy_id)
    try:
        async with _contract(conn):
            row = await conn.fetchrow(
                f"SELECT {_COLUMNS} FROM {_SYNERGIES} WHERE {where} AND synergy_id = ${len(args)}", *args
            )
    except asyncpg.UndefinedTableError:
        return None
    return None if row is None else _stored(row)


async def history(pool: asyncpg.Pool, synergy_id: UUID) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        """SELECT status, previous, source, changed_by, note, changed_at, changes, abandon_reason,
                  abandon_comment, owner_id, next_action_on
           FROM notifier_read.status_history_v2 WHERE synergy_id = $1 ORDER BY id""",
        synergy_id,
    )
    return [dict(r) for r in rows]


async def outcome(conn: Reader, synergy_id: UUID) -> dict[str, Any] | None:
    """What a done lead achieves, as its advisor recorded it last (None: nothing recorded)."""
    try:
        async with _contract(conn):
            row = await conn.fetchrow(
                """SELECT tonnes_per_year, eur_per_year, eur_by_company, co2e_t_per_year, jobs, started_on,
                          comment, sources, estimate, recorded_by, recorded_at
                   FROM notifier_read.outcomes_v1 WHERE synergy_id = $1""",
                synergy_id,
            )
    except asyncpg.UndefinedTableError:
        return None
    return None if row is None else dict(row)


async def territory_leads(
    conn: Reader, territories: list[str]
) -> list[tuple[StoredSynergy, dict[str, Any] | None]]:
    """Every lead touching `territories` ("*": all), withdrawn ones included, with its outcome if any."""
    scope = Scope(territories=tuple(territories))
    where, args = _where(scope, None, include_withdrawn=True)
    try:
        async with _contract(conn):
            rows = await conn.fetch(
                f"""SELECT {_COLUMNS},
                           (SELECT to_jsonb(o) - 'synergy_id' FROM notifier_read.outcomes_v1 o
                            WHERE o.synergy_id = s.synergy_id) AS outcome
                    FROM {_SYNERGIES} s WHERE {where} ORDER BY score DESC, synergy_id""",
                *args,
            )
    except asyncpg.UndefinedTableError:
        return []
    return [(_stored(r), None if r["outcome"] is None else json.loads(r["outcome"])) for r in rows]


async def status_at(conn: Reader, synergy_ids: list[UUID], at: datetime) -> dict[UUID, dict[str, Any]]:
    """Each lead's last history row before `at`: its status (and abandonment reason) at that time."""
    try:
        async with _contract(conn):
            rows = await conn.fetch(
                """SELECT DISTINCT ON (synergy_id) synergy_id, status, abandon_reason
                   FROM notifier_read.status_history_v2
                   WHERE synergy_id = ANY($1::uuid[]) AND changed_at < $2
                   ORDER BY synergy_id, id DESC""",
                synergy_ids,
                at,
            )
    except asyncpg.UndefinedTableError:
        return {}
    return {r["synergy_id"]: dict(r) for r in rows}


async def statuses_reached(
    conn: Reader, synergy_ids: list[UUID], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Every status change of these leads within [start, end): which lead reached which status."""
    try:
        async with _contract(conn):
            rows = await conn.fetch(
                """SELECT synergy_id, status, abandon_reason FROM notifier_read.status_history_v2
                   WHERE synergy_id = ANY($1::uuid[]) AND changed_at >= $2 AND changed_at < $3
                     AND 'status' = ANY(changes)
                   ORDER BY id""",
                synergy_ids,
                start,
                end,
            )
    except asyncpg.UndefinedTableError:
        return []
    return [dict(r) for r in rows]


async def deliveries(pool: asyncpg.Pool, synergy_id: UUID) -> list[dict[str, Any]]:
    """Every email queued about a synergy, with its outcome and the territories of its recipient."""
    rows = await pool.fetch(
        """SELECT news_kind, recipient_kind, recipient_id, email, status, attempts, last_error, digest,
                  created_at, next_attempt_at, sent_at, recipient_territories
           FROM notifier_read.deliveries_v1 WHERE synergy_id = $1 ORDER BY created_at, news_key""",
        synergy_id,
    )
    return [dict(r) for r in rows]


async def review_mode(pool: asyncpg.Pool, territory: str) -> bool:
    try:
        found = await pool.fetchval(
            "SELECT 1 FROM notifier_read.review_territories_v1 WHERE territory = $1", territory
        )
    except asyncpg.UndefinedTableError:
        return False
    return found is not None


@dataclass(frozen=True)
class EmailPreferences:
    opted_out: bool = False
    delivery: str | None = None  # None: the programme's default


async def email_preferences(conn: Reader, kind: str, ids: Iterable[UUID]) -> dict[UUID, EmailPreferences]:
    """The preferences the notifier applies, for the given companies or advisors (absent: defaults)."""
    try:
        async with _contract(conn):
            rows = await conn.fetch(
                """SELECT recipient_id, opted_out, delivery FROM notifier_read.email_preferences_v1
                   WHERE recipient_kind = $1 AND recipient_id = ANY($2::uuid[])""",
                kind,
                list(ids),
            )
    except asyncpg.UndefinedTableError:
        return {}
    return {r["recipient_id"]: EmailPreferences(r["opted_out"], r["delivery"]) for r in rows}


async def digest_minutes(conn: Reader) -> int:
    """The digest interval the notifier runs with (0: no digest, or no notifier started yet)."""
    try:
        async with _contract(conn):
            minutes = await conn.fetchval("SELECT advisor_digest_minutes FROM notifier_read.programme_v1")
    except asyncpg.UndefinedTableError:
        return 0
    return int(minutes or 0)


async def decision_outcome(conn: Reader, decision_id: UUID) -> str | None:
    """How the notifier applied a decision, or None while it has not."""
    try:
        async with _contract(conn):
            outcome: str | None = await conn.fetchval(
                "SELECT outcome FROM notifier_read.decisions_v1 WHERE decision_id = $1", decision_id
            )
    except asyncpg.UndefinedTableError:
        return None
    return outcome


async def wait_for_decision(
    pool: asyncpg.Pool,
    decision_id: UUID,
    timeout_s: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str | None:
    """The decision's outcome once applied, or None if the notifier has not applied it within `timeout_s`.

    Polled (10 ms, doubling to 200 ms): a decision crosses the outbox relay, the broker and the
    notifier's consumer, about a hundred milliseconds when all run.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    delay = 0.01
    while True:
        outcome = await decision_outcome(pool, decision_id)
        if outcome is not None or loop.time() >= deadline:
            return outcome
        await sleep(min(delay, max(0.0, deadline - loop.time())))
        delay = min(delay * 2, 0.2)


@dataclass(frozen=True)
class StoredAnswer:
    """A company's answer to a lead in its current round (notifier_read.answers_v1)."""

    company_id: UUID
    answer: str
    reason: str | None
    comment: str | None
    channel: str
    answered_at: datetime


async def answers(conn: Reader, synergy_id: UUID) -> dict[UUID, StoredAnswer]:
    """Each participant company's answer to the lead, by company (absent: not answered)."""
    try:
        async with _contract(conn):
            rows = await conn.fetch(
                """SELECT company_id, answer, reason, comment, channel, answered_at
                   FROM notifier_read.answers_v1 WHERE synergy_id = $1""",
                synergy_id,
            )
    except asyncpg.UndefinedTableError:
        return {}
    return {r["company_id"]: StoredAnswer(**dict(r)) for r in rows}


async def own_answers(conn: Reader, company_id: UUID, synergy_ids: Iterable[UUID]) -> dict[UUID, str]:
    """One company's answers to some leads, by lead: "interested" or "declined"."""
    try:
        async with _contract(conn):
            rows = await conn.fetch(
                """SELECT synergy_id, answer FROM notifier_read.answers_v1
                   WHERE company_id = $1 AND synergy_id = ANY($2::uuid[])""",
                company_id,
                list(synergy_ids),
            )
    except asyncpg.UndefinedTableError:
        return {}
    return {r["synergy_id"]: r["answer"] for r in rows}


async def introduced(conn: Reader, synergy_ids: Iterable[UUID]) -> set[UUID]:
    """The leads whose companies all said yes in their current round: they read each other in full."""
    try:
        async with _contract(conn):
            rows = await conn.fetch(
                "SELECT synergy_id FROM notifier_read.introductions_v1 WHERE synergy_id = ANY($1::uuid[])",
                list(synergy_ids),
            )
    except asyncpg.UndefinedTableError:
        return set()
    return {r["synergy_id"] for r in rows}
