"""Advisors and tokens: the admin registers advisors, anyone rotates their token, revocation cuts access."""

from __future__ import annotations

import uuid

from ecocirc_intake.adapters.store import AdvisorRecord, IntakeStore
from ecocirc_intake.domain.errors import ErrorCollector, FieldError
from ecocirc_intake.domain.identifiers import check_email
from ecocirc_intake.domain.text import clean_text
from ecocirc_intake.entrypoints.schemas import AdvisorCreate, AdvisorUpdate
from ecocirc_intake.service_layer.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import Advisor, Principal, hash_token, new_token
from ecocirc_intake.service_layer.use_cases import INVALID, company_for, domain_errors
from ecocirc_shared.territories import ALL_TERRITORIES

# The admin token comes from ECOCIRC_ADMIN_TOKEN and is re-established at each start: changing it
# through the API would only last until the next restart, so the API refuses to.
ADMIN_CHANGED_BY_CONFIG = (
    "L'administrateur se change par la configuration (ECOCIRC_ADMIN_TOKEN, ECOCIRC_ADMIN_EMAIL), "
    "puis un redémarrage."
)


def require_admin(principal: Principal) -> Advisor:
    if not isinstance(principal, Advisor) or not principal.is_admin:
        raise Forbidden("Seul l'administrateur peut gérer les conseillers.")
    return principal


def _territory(value: str, index: int) -> str:
    return clean_text(value, f"territories.{index}", min_length=1, max_length=100)


def _territories(errors: ErrorCollector, values: list[str]) -> list[str]:
    territories = [errors.run(_territory, value, i) for i, value in enumerate(values)]
    if ALL_TERRITORIES in territories and len(set(territories)) > 1:
        errors.add(
            FieldError(
                "territories", "« * » couvre déjà tous les territoires : ne le combinez pas.", "choice"
            )
        )
    return sorted({t for t in territories if t})


async def register_advisor(
    store: IntakeStore, principal: Principal, body: AdvisorCreate
) -> tuple[uuid.UUID, str]:
    require_admin(principal)
    errors = ErrorCollector()
    name = errors.run(clean_text, body.name, "name", min_length=1, max_length=200)
    email = errors.run(check_email, body.email, "email")
    territories = _territories(errors, body.territories)
    with domain_errors():
        errors.raise_if_any()
    assert name is not None and email is not None
    advisor_id, token = uuid.uuid4(), new_token()
    async with store.transaction() as tx:
        await tx.insert_advisor(advisor_id, name, email, territories)
        await tx.insert_token(hash_token(token), advisor_id=advisor_id)
    return advisor_id, token


async def list_advisors(
    store: IntakeStore, principal: Principal, *, limit: int, offset: int
) -> tuple[list[AdvisorRecord], int]:
    require_admin(principal)
    async with store.transaction() as tx:
        return await tx.list_advisors(limit=limit, offset=offset)


async def get_advisor(store: IntakeStore, principal: Principal, advisor_id: uuid.UUID) -> AdvisorRecord:
    """An advisor sees their own record; the admin sees every one."""
    may_see = isinstance(principal, Advisor) and (principal.is_admin or principal.id == advisor_id)
    async with store.transaction() as tx:
        advisor = await tx.get_advisor(advisor_id) if may_see else None
    if advisor is None:
        raise NotFound("Conseiller introuvable.")
    return advisor


async def rotate_token(store: IntakeStore, principal: Principal, token_hash: bytes) -> str:
    """A new token for the caller; the one used for this call stops working at once."""
    if isinstance(principal, Advisor) and principal.is_admin:
        raise Conflict(ADMIN_CHANGED_BY_CONFIG)
    token = new_token()
    async with store.transaction() as tx:
        if not await tx.revoke_token(token_hash, "rotated"):
            # Revoked by a concurrent call between authentication and now.
            raise Conflict("Ce jeton vient d'être révoqué.")
        if isinstance(principal, Advisor):
            await tx.insert_token(hash_token(token), advisor_id=principal.id)
        else:
            await tx.insert_token(hash_token(token), company_id=principal.id)
    return token


async def _advisor_target(store: IntakeStore, principal: Principal, advisor_id: uuid.UUID) -> AdvisorRecord:
    require_admin(principal)
    async with store.transaction() as tx:
        advisor = await tx.get_advisor(advisor_id)
    if advisor is None:
        raise NotFound("Conseiller introuvable.")
    if advisor.is_admin:
        raise Conflict(ADMIN_CHANGED_BY_CONFIG)
    return advisor


async def update_advisor(
    store: IntakeStore, principal: Principal, advisor_id: uuid.UUID, body: AdvisorUpdate
) -> AdvisorRecord:
    """The admin changes an advisor's address or territories, or deactivates them (they left).

    Takes effect at once: the notifier reads advisors through intake's read contract when it
    decides who hears of a synergy and again when it sends, so a deactivated advisor gets no more
    email (queued ones included) and a new address or territories count for what is still queued.
    Deactivation also revokes every token; reactivation issues none (POST .../tokens does).
    """
    await _advisor_target(store, principal, advisor_id)
    changes = body.model_dump(exclude_unset=True)
    problems = [
        Problem(field, "Ce champ ne peut pas être effacé : donnez une valeur.")
        for field, value in changes.items()
        if value is None
    ]
    if problems:
        raise InvalidInput(INVALID, problems)
    errors = ErrorCollector()
    if "email" in changes:
        changes["email"] = errors.run(check_email, changes["email"], "email")
    if "territories" in changes:
        changes["territories"] = _territories(errors, changes["territories"])
    with domain_errors():
        errors.raise_if_any()
    async with store.transaction() as tx:
        await tx.update_advisor(advisor_id, changes)
        if changes.get("active") is False:
            await tx.revoke_tokens("revoked", advisor_id=advisor_id)
        updated = await tx.get_advisor(advisor_id)
    assert updated is not None
    return updated


async def revoke_advisor_tokens(store: IntakeStore, principal: Principal, advisor_id: uuid.UUID) -> int:
    """The admin cuts an advisor's access (e.g. when they leave); a new token can be issued later."""
    await _advisor_target(store, principal, advisor_id)
    async with store.transaction() as tx:
        return await tx.revoke_tokens("revoked", advisor_id=advisor_id)


async def issue_advisor_token(store: IntakeStore, principal: Principal, advisor_id: uuid.UUID) -> str:
    """A fresh token for an advisor who lost theirs; every earlier one is revoked."""
    await _advisor_target(store, principal, advisor_id)
    token = new_token()
    async with store.transaction() as tx:
        await tx.revoke_tokens("replaced", advisor_id=advisor_id)
        await tx.insert_token(hash_token(token), advisor_id=advisor_id)
    return token


async def revoke_company_tokens(store: IntakeStore, principal: Principal, company_id: uuid.UUID) -> int:
    """The company's advisor cuts its access (a leaked token, a contact who left)."""
    advisor = _require_company_advisor(principal)
    async with store.transaction() as tx:
        await company_for(tx, advisor, company_id)
        return await tx.revoke_tokens("revoked", company_id=company_id)


async def issue_company_token(store: IntakeStore, principal: Principal, company_id: uuid.UUID) -> str:
    """A fresh token for a company that lost its own; every earlier one is revoked."""
    advisor = _require_company_advisor(principal)
    token = new_token()
    async with store.transaction() as tx:
        await company_for(tx, advisor, company_id)
        await tx.revoke_tokens("replaced", company_id=company_id)
        await tx.insert_token(hash_token(token), company_id=company_id)
    return token


def _require_company_advisor(principal: Principal) -> Advisor:
    if not isinstance(principal, Advisor):
        raise Forbidden(
            "Seul le conseiller de l'entreprise gère ses jetons ; utilisez POST /v1/tokens/rotate."
        )
    return principal
