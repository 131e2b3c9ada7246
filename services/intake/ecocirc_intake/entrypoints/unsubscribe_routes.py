"""One-click unsubscribe (RFC 8058) from the links in every email, checked with an HMAC token."""

from __future__ import annotations

from enum import StrEnum
from html import escape
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ecocirc_intake.adapters import synergies as store
from ecocirc_notifier.domain.headers import token_matches
from ecocirc_notifier.options import unsubscribe_secret
from ecocirc_shared.settings import Settings

router = APIRouter()


class RecipientKind(StrEnum):
    COMPANY = "company"
    ADVISOR = "advisor"


Token = Annotated[str, Query(min_length=8, max_length=64)]

_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Eco'circulaire</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">{body}</body></html>"""


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status_code=status)


def _settings(request: Request) -> Settings:
    # The notifier signs links with the same ECOCIRC_* configuration the composition root holds.
    settings: Settings = request.app.state.settings
    return settings


def _valid(request: Request, kind: RecipientKind, recipient_id: UUID, token: str) -> bool:
    settings = _settings(request)
    secret = unsubscribe_secret(settings)
    return secret is not None and token_matches(secret, kind.value, recipient_id, token)


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
    pool: asyncpg.Pool = request.app.state.store.pool
    if not await store.opt_out(pool, kind.value, id):
        return _page(_INVALID, 404)
    return _page(
        "<h1>Désabonnement enregistré</h1><p>Vous ne recevrez plus de courriels sur les pistes de synergie. "
        "Pour les recevoir à nouveau, adressez-vous à votre conseiller.</p>"
    )
