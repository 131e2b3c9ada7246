"""An advisor's email preferences: single emails or the digest, or none at all."""

from __future__ import annotations

from uuid import UUID

from ecocirc_intake.adapters.preferences import set_advisor_preferences
from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.service_layer.errors import InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import Advisor, Principal


async def set_email_preferences(
    store: IntakeStore,
    principal: Principal,
    advisor_id: UUID,
    *,
    delivery: str | None,
    opted_out: bool | None,
    digest_minutes: int,
) -> tuple[str | None, bool]:
    """The advisor themself or the admin; the digest only where the programme sends digests."""
    if not isinstance(principal, Advisor) or (principal.id != advisor_id and not principal.is_admin):
        raise NotFound("Conseiller introuvable.")
    async with store.transaction() as tx:
        if await tx.get_advisor(advisor_id) is None:
            raise NotFound("Conseiller introuvable.")
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
    return await set_advisor_preferences(store.pool, advisor_id, delivery=delivery, opted_out=opted_out)
