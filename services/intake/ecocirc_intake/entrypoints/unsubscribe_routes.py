"""One-click unsubscribe (RFC 8058) from the links in every email, checked with an HMAC token."""

from __future__ import annotations

from html import escape
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ecocirc_intake.service_layer import preferences
from ecocirc_shared.directory import RecipientKind
from ecocirc_shared.links import link_secret, unsubscribe_token_matches
from ecocirc_shared.settings import IntakeSettings

router = APIRouter()


Token = Annotated[str, Query(min_length=8, max_length=64)]

_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Eco'circulaire</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">{body}</body></html>"""


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status_code=status)


def _valid(request: Request, kind: RecipientKind, recipient_id: UUID, token: str) -> bool:
    # The notifier signs the links with the same key (ECOCIRC_LINK_SECRET).
    settings: IntakeSettings = request.app.state.settings
    secret = link_secret(settings)
    return secret is not None and unsubscribe_token_matches(secret, kind.value, recipient_id, token)


_INVALID = (
    "<h1>Lien non valable</h1><p>Ce lien de désabonnement est incomplet ou a été modifié. "
    "Utilisez le lien reçu dans le courriel, ou répondez à ce courriel pour demander le désabonnement.</p>"
)


@router.get("/unsubscribe", response_class=HTMLResponse, tags=["emails"])
async def confirm_unsubscribe(request: Request, kind: RecipientKind, id: UUID, token: Token) -> HTMLResponse:
    """A page asking to confirm: mail scanners open links, and a GET must not unsubscribe anyone."""
    if not _valid(request, kind, id, token):
        return _page(_INVALID, 400)
    action = escape(str(request.url), quote=True)
    return _page(
        "<h1>Se désabonner des courriels Eco'circulaire</h1>"
        "<p>Vous ne recevrez plus de courriels sur les pistes de synergie. Les pistes restent consultables "
        "auprès de votre conseiller.</p>"
        f'<form method="post" action="{action}"><button type="submit">Me désabonner</button></form>'
    )


@router.post("/unsubscribe", response_class=HTMLResponse, tags=["emails"])
async def unsubscribe(request: Request, kind: RecipientKind, id: UUID, token: Token) -> HTMLResponse:
    """The one-click POST of RFC 8058 (body `List-Unsubscribe=One-Click`), or the confirmation form."""
    if not _valid(request, kind, id, token):
        return _page(_INVALID, 400)
    settings: IntakeSettings = request.app.state.settings
    if not await preferences.unsubscribe(request.app.state.store, kind, id, settings.decision_wait_seconds):
        return _page(_INVALID, 404)
    return _page(
        "<h1>Désabonnement enregistré</h1><p>Vous ne recevrez plus de courriels sur les pistes de synergie. "
        "Pour les recevoir à nouveau, adressez-vous à votre conseiller.</p>"
    )
