"""Error answers: use-case failures, pydantic's English errors in French, and the HTTP status pages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ecocirc_intake.domain.text import FIELD_NAMES_FR
from ecocirc_intake.service_layer.errors import TooManyAttempts, UseCaseError
from ecocirc_shared.db import DATABASE_UNAVAILABLE, database_unavailable
from ecocirc_shared.logging import get_logger

log = get_logger(__name__)

# Names of parameters and body fields the domain does not name, as a person reads them.
_MORE_NAMES = {
    "name": "le nom",  # of a company or of an advisor: the schema error does not say which
    "email": "l'adresse e-mail",
    "territories": "la liste des territoires",
    "consent_to_be_named": "l'accord pour être nommé",
    "email_opt_out": "le refus des e-mails",
    "company_id": "l'identifiant d'entreprise",
    "flow_id": "l'identifiant de flux",
    "advisor_id": "l'identifiant de conseiller",
    "synergy_id": "l'identifiant de synergie",
    "limit": "la taille de page (limit)",
    "offset": "le décalage (offset)",
    "active": "le filtre active",
    "include_withdrawn": "le filtre include_withdrawn",
    "dry_run": "l'option dry_run",
    "file": "le fichier",
    "body": "le corps de la requête",
}

_STATUS_MESSAGES = {
    400: "Requête incorrecte.",
    401: "Authentification requise.",
    403: "Accès refusé.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    406: "Format de réponse non disponible.",
    413: "Requête trop volumineuse.",
    415: "Type de contenu non pris en charge.",
}


def _subject(field: str) -> str:
    base = re.sub(r"\.\d+$", "", field)  # "months.3" is named as "months"
    name = _MORE_NAMES.get(base) or FIELD_NAMES_FR.get(base) or f"le champ « {field} »"
    return name[0].upper() + name[1:]


def _choices(expected: str) -> str:
    values = re.findall(r"'([^']*)'", expected)
    return ", ".join(f"« {v} »" for v in values) if values else expected


def french_message(field: str, error: Mapping[str, Any]) -> str:
    """One pydantic error in French, naming the field (gender-neutral phrasing: "vaut", "obligatoire")."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    who = _subject(field)
    simple = {
        "missing": f"{who} est obligatoire.",
        "extra_forbidden": f"Champ inconnu « {field} » : retirez-le.",
        "string_type": f"{who} doit être un texte.",
        "int_type": f"{who} doit être un nombre entier.",
        "int_parsing": f"{who} doit être un nombre entier.",
        "int_from_float": f"{who} doit être un nombre entier.",
        "float_type": f"{who} doit être un nombre.",
        "float_parsing": f"{who} doit être un nombre.",
        "finite_number": f"{who} doit être un nombre fini.",
        "bool_type": f"{who} doit valoir true ou false.",
        "bool_parsing": f"{who} doit valoir true ou false.",
        "uuid_type": f"{who} doit être un identifiant (UUID).",
        "uuid_parsing": f"{who} doit être un identifiant (UUID), ex. « 3fa85f64-5717-4562-b3fc-2c963f66afa6 ».",
        "list_type": f"{who} doit être une liste.",
        "dict_type": f"{who} doit être un objet JSON.",
        "model_type": f"{who} doit être un objet JSON.",
        "model_attributes_type": f"{who} doit être un objet JSON.",
        "json_invalid": "Le corps de la requête n'est pas du JSON valide.",
        "json_type": "Le corps de la requête doit être du JSON.",
        "string_unicode": f"{who} doit être un texte en UTF-8.",
        "string_pattern_mismatch": f"{who} n'a pas la forme attendue.",
    }
    if kind in simple:
        return simple[kind]
    if kind == "string_too_short":
        minimum = ctx.get("min_length", 1)
        if minimum == 1:
            return f"{who} est obligatoire et ne peut pas être vide."
        return f"{who} doit faire au moins {minimum} caractères."
    if kind == "string_too_long":
        return f"{who} doit faire au plus {ctx.get('max_length')} caractères."
    if kind == "too_short":
        return f"{who} doit contenir au moins {ctx.get('min_length')} élément(s)."
    if kind == "too_long":
        return f"{who} doit contenir au plus {ctx.get('max_length')} éléments."
    bounds = {
        "greater_than": ("plus de", "gt"),
        "greater_than_equal": ("au moins", "ge"),
        "less_than": ("moins de", "lt"),
        "less_than_equal": ("au plus", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        bound = ctx.get(key)
        shown = f"{bound:g}" if isinstance(bound, int | float) and not isinstance(bound, bool) else bound
        return f"{who} doit valoir {words} {shown}."
    if kind in {"enum", "literal_error"}:
        return f"{who} doit être l'une des valeurs {_choices(str(ctx.get('expected', '')))}."
    return f"{who} est invalide."


def _field(loc: Sequence[Any]) -> str:
    # loc starts with where the value was: "body", "query", "path", "header".
    parts = [str(part) for part in loc[1:]]
    return ".".join(parts) if parts else str(loc[0]) if loc else "body"


def translate(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """pydantic's errors as the API's list of {field, message, type}."""
    translated = []
    for error in errors:
        loc = error.get("loc", ())
        # A JSON syntax error is located by character offset, not by field.
        field = "body" if error.get("type") == "json_invalid" else _field(loc)
        translated.append(
            {"field": field, "message": french_message(field, error), "type": str(error.get("type"))}
        )
    return translated


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UseCaseError)
    async def use_case_error(_: Request, exc: UseCaseError) -> JSONResponse:
        body = {"detail": exc.message, "errors": [p.as_dict() for p in exc.problems]}
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if isinstance(exc, TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse(body, status_code=exc.status, headers=headers)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path, error=repr(exc))
        return JSONResponse(
            {
                "detail": "Erreur interne : l'équipe technique est prévenue. Réessayez plus tard.",
                "errors": [],
            },
            status_code=500,
        )

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        if not database_unavailable(exc):
            return await unexpected(request, exc)
        # Nothing was written (each use case is one transaction): the client can safely retry.
        log.warning("database_unavailable", path=request.url.path, error=repr(exc))
        return JSONResponse(
            {
                "detail": "Service momentanément indisponible : réessayez dans quelques secondes.",
                "errors": [],
            },
            status_code=503,
            headers={"Retry-After": "2"},
        )

    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, unavailable)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {"detail": "Requête invalide.", "errors": translate(exc.errors())}, status_code=422
        )

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        message = _STATUS_MESSAGES.get(exc.status_code, "Requête refusée.")
        return JSONResponse(
            {"detail": message, "errors": []},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    app.add_exception_handler(Exception, unexpected)
