"""Passwordless sign-in: an emailed single-use link opens a session for the address it was sent to.

Whoever asks gets the same answer, whether the address is known or not; links are rate-limited per
address and per client. The link's token is an HMAC of its id under the link key, so the event that
asks the notifier to email it carries no credential, and intake keeps only the token's hash.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from ecocirc_intake.adapters import web_access
from ecocirc_intake.adapters.store import SCHEMA, IntakeStore, IntakeTx
from ecocirc_intake.adapters.web_access import Account
from ecocirc_intake.service_layer.auth_failures import FailureLimiter
from ecocirc_intake.service_layer.principals import Principal, hash_token, new_token
from ecocirc_shared.events import SignInLinkRequested, WelcomeRequested
from ecocirc_shared.links import read_sign_in_value, sign_in_token
from ecocirc_shared.logging import get_logger
from ecocirc_shared.outbox import enqueue
from ecocirc_shared.settings import IntakeSettings
from ecocirc_shared.topics import ACCESS_EVENTS

log = get_logger(__name__)
HOUR_S = 3600.0
ADVISOR_ACCOUNT = "conseiller"


class LinkRequest(StrEnum):
    """What became of a request; only the web form tells the person, and only "invalid"."""

    SENT = "sent"
    UNKNOWN = "unknown"
    LIMITED = "limited"
    INVALID = "invalid"


@dataclass(frozen=True)
class SignInPolicy:
    key: str  # ECOCIRC_LINK_SECRET
    link_ttl: timedelta
    session_ttl: timedelta
    # The link of a welcome email: nobody asked for it this minute, so it lasts days (still once).
    welcome_ttl: timedelta = timedelta(days=7)


class SendLimits:
    """How many links an address may be sent, and a client may ask for, per hour (one process)."""

    def __init__(self, per_address: int, per_client: int):
        # FailureLimiter is a sliding-window counter: here every request counts, not only failures.
        self.per_address = FailureLimiter(max_failures=per_address, window_s=HOUR_S)
        self.per_client = FailureLimiter(max_failures=per_client, window_s=HOUR_S)

    def allow(self, email: str, client: str) -> bool:
        # Every request counts against its client, also one refused for its address. The limiter
        # takes a collection of keys: a bare string would count each of its characters as a key.
        if self.per_client.retry_after((client,)) is not None:
            return False
        self.per_client.record_failure((client,))
        if self.per_address.retry_after((email,)) is not None:
            return False
        self.per_address.record_failure((email,))
        return True

    @classmethod
    def from_settings(cls, settings: IntakeSettings) -> SendLimits:
        return cls(settings.sign_in_links_per_address_per_hour, settings.sign_in_requests_per_client_per_hour)


def _address_ref(email: str) -> str:
    """What logs say of an address: enough to follow one person's requests, not the address."""
    return hashlib.sha256(email.encode()).hexdigest()[:12]


def email_problem(raw: object) -> str | None:
    """Why what was typed cannot be an address (in French), or None; the web form says it by the field.

    Looser than the registration rules: an address on file is one that passed them, or the admin's
    (e.g. admin@localhost in embedded mode); anything else is simply not found.
    """
    if not isinstance(raw, str) or not raw.strip():
        return "Indiquez votre adresse e-mail."
    address = raw.strip()
    local, at, domain = address.partition("@")
    readable = address.isprintable() and address.encode("utf-8", "surrogatepass") == address.encode(
        "utf-8", "ignore"
    )
    if not readable or not at or not local or not domain or " " in address or len(address) > 254:
        what = f"« {address[:254]} »" if readable else "Ce texte"
        return f"{what} n'est pas une adresse e-mail complète : par exemple prenom.nom@entreprise.fr."
    return None


def normalise_email(raw: object) -> str | None:
    # lower(), as the SQL that finds accounts: addresses are compared without case.
    if email_problem(raw) is not None:
        return None
    assert isinstance(raw, str)
    return raw.strip().lower()


def _account_label(account: Account) -> str:
    return account.name if account.kind == "company" else ADVISOR_ACCOUNT


async def request_link(
    store: IntakeStore, raw_email: object, client: str, limits: SendLimits, policy: SignInPolicy
) -> LinkRequest:
    """Send a sign-in link to a known address, through an event the notifier turns into an email."""
    email = normalise_email(raw_email)
    if email is None:
        return LinkRequest.INVALID
    # Counted before the address is looked up, so that the limit says nothing about who is known.
    if not limits.allow(email, client):
        log.info("sign_in_link_limited", address=_address_ref(email))
        return LinkRequest.LIMITED
    async with store.transaction() as tx:
        accounts = await web_access.accounts_for(tx.conn, email)
        if not accounts:
            log.info("sign_in_link_unknown_address", address=_address_ref(email))
            return LinkRequest.UNKNOWN
        link_id = uuid.uuid4()
        token = sign_in_token(policy.key, link_id)
        expires_at = await web_access.insert_link(tx.conn, link_id, hash_token(token), email, policy.link_ttl)
        event = SignInLinkRequested(
            link_id=link_id,
            # The address as the account has it on file, the one its owner gave.
            email=accounts[0].email,
            accounts=tuple(_account_label(a) for a in accounts),
            expires_at=expires_at,
        )
        await enqueue(tx.conn, SCHEMA, ACCESS_EVENTS, f"sign-in:{email}", event)
        await web_access.purge_expired(tx.conn)
    log.info("sign_in_link_requested", address=_address_ref(email), link_id=str(link_id))
    return LinkRequest.SENT


async def queue_welcome(
    tx: IntakeTx, company_id: uuid.UUID, name: str, email: str, policy: SignInPolicy
) -> None:
    """Welcome a company just registered, in the transaction that registers it: the notifier emails
    its contact what the programme is, who its advisor is, and a sign-in link (policy.welcome_ttl)."""
    link_id = uuid.uuid4()
    token = sign_in_token(policy.key, link_id)
    expires_at = await web_access.insert_link(
        tx.conn, link_id, hash_token(token), email.strip().lower(), policy.welcome_ttl
    )
    event = WelcomeRequested(
        company_id=company_id, company_name=name, link_id=link_id, email=email, expires_at=expires_at
    )
    await enqueue(tx.conn, SCHEMA, ACCESS_EVENTS, f"welcome:{company_id}", event)
    log.info("welcome_requested", company_id=str(company_id), link_id=str(link_id))


def _link(policy: SignInPolicy, value: str) -> tuple[uuid.UUID, bytes] | None:
    parsed = read_sign_in_value(policy.key, value)
    if parsed is None:
        return None
    link_id, token = parsed
    return link_id, hash_token(token)


async def link_usable(store: IntakeStore, value: str, policy: SignInPolicy) -> bool:
    """Whether a link would open a session, without using it (what a mail scanner's visit may do)."""
    link = _link(policy, value)
    if link is None:
        return False
    async with store.transaction() as tx:
        return await web_access.link_usable(tx.conn, *link)


async def open_session(store: IntakeStore, value: str, policy: SignInPolicy) -> str | None:
    """Use a link and return a new session's cookie value, or None when the link is not usable."""
    link = _link(policy, value)
    if link is None:
        return None
    async with store.transaction() as tx:
        email = await web_access.use_link(tx.conn, *link)
        if email is None:
            return None
        accounts = await web_access.accounts_for(tx.conn, email)
        if not accounts:
            return None
        session = new_token()
        chosen = accounts[0] if len(accounts) == 1 else None
        await web_access.insert_session(tx.conn, hash_token(session), email, chosen, policy.session_ttl)
    log.info("web_session_opened", address=_address_ref(email))
    return session


@dataclass(frozen=True)
class WebUser:
    """Who a session belongs to: an address, and the account it acts for once one is chosen."""

    email: str
    principal: Principal | None
    name: str | None


async def session_user(store: IntakeStore, session: str) -> WebUser | None:
    """The session's user, or None when it expired, ended, or its account changed address."""
    async with store.transaction() as tx:
        stored = await web_access.get_session(tx.conn, hash_token(session))
        if stored is None:
            return None
        if stored.principal is not None and (stored.account_email or "").lower() != stored.email:
            # The company's contact (or the advisor's address) changed: the old address loses access.
            await web_access.delete_session(tx.conn, hash_token(session))
            return None
    return WebUser(stored.email, stored.principal, stored.name)


async def accounts_of(store: IntakeStore, user: WebUser) -> list[Account]:
    async with store.transaction() as tx:
        return await web_access.accounts_for(tx.conn, user.email)


async def choose_account(
    store: IntakeStore, session: str, user: WebUser, kind: str, account_id: uuid.UUID
) -> bool:
    """Act as one of the address's accounts; False when it is not one of them (any more)."""
    async with store.transaction() as tx:
        for account in await web_access.accounts_for(tx.conn, user.email):
            if account.kind == kind and account.id == account_id:
                await web_access.set_session_account(tx.conn, hash_token(session), account)
                return True
    return False


async def end_session(store: IntakeStore, session: str) -> None:
    async with store.transaction() as tx:
        await web_access.delete_session(tx.conn, hash_token(session))
