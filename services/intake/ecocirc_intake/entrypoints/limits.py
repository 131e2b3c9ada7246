"""Body-size limits: a request larger than its route allows is refused with 413 before it is read whole."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_LIMIT = 1024 * 1024
IMPORT_LIMIT = 10 * 1024 * 1024


def limit_for(path: str) -> int:
    """Spreadsheet imports may be larger than JSON bodies, which never need a megabyte."""
    return IMPORT_LIMIT if path.rstrip("/").endswith("/imports") else JSON_LIMIT


class _TooLarge(HTTPException):
    """Raised from receive(): an HTTPException, so FastAPI's body parsing lets it through as a 413."""

    def __init__(self) -> None:
        super().__init__(413)


class BodySizeLimit:
    """Pure ASGI middleware: checks Content-Length, and counts chunked bodies as they arrive."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "detail": f"Requête trop volumineuse : au plus {limit // 1024} Kio pour cette adresse.",
            "errors": [{"field": "body", "message": f"Le corps de la requête dépasse {limit // 1024} Kio."}],
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
