"""PostgreSQL storage of web sign-in: the accounts of an address, single-use links, and sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from ecocirc_intake.service_layer.principals import Advisor, CompanyPrincipal, Principal
from ecocirc_shared.db import Connection

AccountKind = Literal["company", "advisor"]


@dataclass(frozen=True)
class Account:
    """What an address may act as: the company whose contact it is, or the advisor it belongs to."""

    kind: AccountKind
    id: UUID
    name: str
    email: str


@dataclass(frozen=True)
class StoredSession:
    email: str
    expires_at: datetime
    principal: Principal | None
    name: str | None
    # The address the account has now: a session ends when the contact of its company changes.
    account_email: str | None


async def accounts_for(conn: Connection, email: str) -> list[Account]:
    """Every account whose address is `email`, whatever the case: companies first, by name."""
    rows = await conn.fetch(
        """SELECT 'company' AS kind, id, name, contact_email AS email FROM companies
           WHERE lower(contact_email) = lower($1)
           UNION ALL
           SELECT 'advisor', id, name, email FROM advisors WHERE lower(email) = lower($1) AND active
           ORDER BY kind DESC, name, id""",
        email,
    )
    return [Account(r["kind"], r["id"], r["name"], r["email"]) for r in rows]


async def insert_link(
    conn: Connection, link_id: UUID, token_hash: bytes, email: str, ttl: timedelta
) -> datetime:
    """Store a link (its token's hash only); return when it expires."""
    expires_at: datetime = await conn.fetchval(
        """INSERT INTO sign_in_links (id, token_hash, email, expires_at) VALUES ($1, $2, $3, now() + $4)
           RETURNING expires_at""",
        link_id,
        token_hash,
        email,
        ttl,
    )
    return expires_at


async def link_usable(conn: Connection, link_id: UUID, token_hash: bytes) -> bool:
    return bool(
        await conn.fetchval(
            """SELECT 1 FROM sign_in_links
               WHERE id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now()""",
            link_id,
            token_hash,
        )
    )


async def use_link(conn: Connection, link_id: UUID, token_hash: bytes) -> str | None:
    """Mark a valid, unused link used and return its address; None when it was not usable.

    One UPDATE with the conditions in it: two clicks racing on the same link open one session.
    """
    email: str | None = await conn.fetchval(
        """UPDATE sign_in_links SET used_at = now()
           WHERE id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now()
           RETURNING email""",
        link_id,
        token_hash,
    )
    return email


async def insert_session(
    conn: Connection, token_hash: bytes, email: str, account: Account | None, ttl: timedelta
) -> None:
    await conn.execute(
        """INSERT INTO web_sessions (token_hash, email, company_id, advisor_id, expires_at)
           VALUES ($1, $2, $3, $4, now() + $5)""",
        token_hash,
        email,
        account.id if account and account.kind == "company" else None,
        account.id if account and account.kind == "advisor" else None,
        ttl,
    )


async def set_session_account(conn: Connection, token_hash: bytes, account: Account) -> None:
    await conn.execute(
        "UPDATE web_sessions SET company_id = $2, advisor_id = $3 WHERE token_hash = $1",
        token_hash,
        account.id if account.kind == "company" else None,
        account.id if account.kind == "advisor" else None,
    )


async def get_session(conn: Connection, token_hash: bytes) -> StoredSession | None:
    """A session that has not expired, with the account it acts for as it stands now (an active one)."""
    row = await conn.fetchrow(
        """SELECT s.email, s.expires_at, s.company_id, s.advisor_id,
                  c.name AS company_name, c.contact_email AS company_email,
                  a.name AS advisor_name, a.email AS advisor_email, a.territories, a.is_admin
           FROM web_sessions s
           LEFT JOIN companies c ON c.id = s.company_id
           LEFT JOIN advisors a ON a.id = s.advisor_id AND a.active
           WHERE s.token_hash = $1 AND s.expires_at > now()""",
        token_hash,
    )
    if row is None or (row["advisor_id"] is not None and row["advisor_name"] is None):
        return None  # unknown, expired, or its advisor was deactivated
    principal: Principal | None = None
    name = account_email = None
    if row["company_id"] is not None:
        principal = CompanyPrincipal(row["company_id"])
        name, account_email = row["company_name"], row["company_email"]
    elif row["advisor_id"] is not None:
        principal = Advisor(
            row["advisor_id"], row["advisor_name"], tuple(row["territories"]), row["is_admin"]
        )
        name, account_email = row["advisor_name"], row["advisor_email"]
    return StoredSession(row["email"], row["expires_at"], principal, name, account_email)


async def delete_session(conn: Connection, token_hash: bytes) -> None:
    await conn.execute("DELETE FROM web_sessions WHERE token_hash = $1", token_hash)


async def purge_expired(conn: Connection) -> None:
    """Forget links and sessions a day after they expired (kept that long for support questions)."""
    await conn.execute("DELETE FROM sign_in_links WHERE expires_at < now() - interval '1 day'")
    await conn.execute("DELETE FROM web_sessions WHERE expires_at < now() - interval '1 day'")
