"""Email preferences: an advisor's single emails or digest, anyone's opt-out. The notifier owns them;
intake checks who may change them and sends the decision (docs/boundaries.md)."""

from __future__ import annotations

from uuid import UUID

from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.service_layer.errors import InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import Advisor, Principal
from ecocirc_shared.directory import RecipientKind
from ecocirc_shared.events import EmailPreferencesChanged


async def set_email_preferences(
    store: IntakeStore,
    principal: Principal,
    advisor_id: UUID,
    *,
    delivery: str | None,
    opted_out: bool | None,
    wait_s: float,
) -> tuple[notifier_reads.EmailPreferences, int]:
    """The advisor themself or the admin; the digest only where the programme sends digests.

    Returns the preferences as decided, and the programme's digest interval.
    """
    if not isinstance(principal, Advisor) or (principal.id != advisor_id and not principal.is_admin):
        raise NotFound("Conseiller introuvable.")
    async with store.transaction() as tx:
        if await tx.get_advisor(advisor_id) is None:
            raise NotFound("Conseiller introuvable.")
        digest_minutes = await notifier_reads.digest_minutes(tx.conn)
        if delivery == "digest" and digest_minutes == 0:
            raise InvalidInput(
                "Les récapitulatifs ne sont pas activés sur cette plateforme.",
                [
                    Problem(
                        "delivery",
                        "Le programme n'envoie pas de récapitulatif (ECOCIRC_ADVISOR_DIGEST_MINUTES = 0).",
                    )
                ],
            )
        current = (await notifier_reads.email_preferences(tx.conn, "advisor", [advisor_id])).get(
            advisor_id, notifier_reads.EmailPreferences()
        )
        decision = EmailPreferencesChanged(
            recipient_kind=RecipientKind.ADVISOR,
            recipient_id=advisor_id,
            opted_out=opted_out,
            delivery=delivery or "default",
        )
        await tx.enqueue_decision(decision)
    await notifier_reads.wait_for_decision(store.pool, decision.event_id, wait_s)
    decided = notifier_reads.EmailPreferences(
        opted_out=current.opted_out if opted_out is None else opted_out, delivery=delivery
    )
    return decided, digest_minutes


async def unsubscribe(store: IntakeStore, kind: RecipientKind, recipient_id: UUID, wait_s: float) -> bool:
    """The one-click unsubscribe of an email's signed link; False if nobody has that id."""
    decision = EmailPreferencesChanged(recipient_kind=kind, recipient_id=recipient_id, opted_out=True)
    async with store.transaction() as tx:
        if kind is RecipientKind.COMPANY:
            exists = await tx.get_company(recipient_id) is not None
        else:
            exists = await tx.get_advisor(recipient_id) is not None
        if exists:
            await tx.enqueue_decision(decision)
    if exists:
        await notifier_reads.wait_for_decision(store.pool, decision.event_id, wait_s)
    return exists
