"""Error pages: the same failures as the API's, answered as French pages on the web's addresses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from ecocirc_intake.entrypoints.web.context import SECURITY_HEADERS, CsrfRejected, get_context, templates
from ecocirc_intake.service_layer.errors import TooManyAttempts, UseCaseError
from ecocirc_shared.db import DATABASE_UNAVAILABLE, database_unavailable
from ecocirc_shared.logging import get_logger

log = get_logger(__name__)

# Everything else the app serves is the web's.
_NOT_WEB = ("/v1", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics", "/static")

_PAGES = {
    400: ("Requête incorrecte", "La page demandée n'a pas pu être lue. Revenez à l'accueil et réessayez."),
    401: ("Connexion nécessaire", "Connectez-vous pour voir cette page."),
    403: ("Accès refusé", "Cette page n'est pas accessible avec votre compte."),
    404: ("Page introuvable", "Cette page n'existe pas, ou elle n'est pas accessible avec votre compte."),
    405: ("Page introuvable", "Cette adresse ne s'ouvre pas ainsi."),
    409: ("Action impossible", "Cette action n'est plus possible."),
    422: ("Requête incorrecte", "La page demandée n'a pas pu être lue. Revenez à l'accueil et réessayez."),
    429: ("Trop de tentatives", "Trop de tentatives : réessayez dans quelques minutes."),
    500: ("Erreur interne", "Une erreur s'est produite de notre côté. Réessayez dans quelques instants."),
    503: (
        "Service indisponible",
        "Le service est momentanément indisponible : réessayez dans quelques secondes.",
    ),
}


def is_web(request: Request) -> bool:
    return not request.url.path.startswith(_NOT_WEB)


async def error_page(request: Request, status: int, message: str | None = None) -> Response:
    title, default = _PAGES.get(status, _PAGES[400])
    try:
        web = await get_context(request)
    except Exception:  # the database itself may be what failed: a page without the session
        log.warning("error_page_without_session", path=request.url.path)
        response = templates.TemplateResponse(
            request,
            "error.html.j2",
            {
                "user": None,
                "csrf": "",
                "notice": None,
                "advisor_nav": False,
                "nav_current": None,
                "title": title,
                "message": message or default,
            },
            status_code=status,
        )
        response.headers.update(SECURITY_HEADERS)
        return response
    return web.render("error.html.j2", status, title=title, message=message or default)


Handler = Callable[[Request, Any], Awaitable[Response]]


def install(app: FastAPI) -> None:
    """Wrap the API's handlers: a web address gets a page, any other the API's JSON answer."""
    api_handlers: dict[Any, Handler] = dict(app.exception_handlers)

    def wrap(kind: Any, page: Callable[[Request, Any], Awaitable[Response]]) -> None:
        api = api_handlers.get(kind)

        async def handler(request: Request, exc: Any) -> Response:
            if is_web(request) or api is None:
                return await page(request, exc)
            return await api(request, exc)

        app.add_exception_handler(kind, handler)

    async def use_case_page(request: Request, exc: UseCaseError) -> Response:
        # The use cases' own French message says what happened (e.g. "Flux introuvable.").
        return await error_page(
            request, exc.status, None if isinstance(exc, TooManyAttempts) else exc.message
        )

    async def http_page(request: Request, exc: HTTPException) -> Response:
        return await error_page(request, exc.status_code)

    async def invalid_page(request: Request, exc: RequestValidationError) -> Response:
        # A malformed id in the address is a page that does not exist.
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        return await error_page(request, 404 if in_path else 422)

    async def csrf_page(request: Request, exc: CsrfRejected) -> Response:
        message = (
            "Ce formulaire a expiré ou ne vient pas de ce site. Revenez à la page précédente, "
            "rechargez-la, puis envoyez-le à nouveau."
        )
        return await error_page(request, 403, message)

    async def unavailable_page(request: Request, exc: Exception) -> Response:
        if not database_unavailable(exc):
            return await unexpected_page(request, exc)
        log.warning("database_unavailable", path=request.url.path, error=repr(exc))
        return await error_page(request, 503)

    async def unexpected_page(request: Request, exc: Exception) -> Response:
        log.exception("unhandled_error", path=request.url.path, error=repr(exc))
        return await error_page(request, 500)

    wrap(UseCaseError, use_case_page)
    wrap(HTTPException, http_page)
    wrap(RequestValidationError, invalid_page)
    wrap(CsrfRejected, csrf_page)
    for unavailable in DATABASE_UNAVAILABLE:
        wrap(unavailable, unavailable_page)
    wrap(Exception, unexpected_page)
