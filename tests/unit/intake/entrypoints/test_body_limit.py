"""The body-size middleware refuses large bodies, declared or streamed, before the route reads them."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request

from ecocirc_intake.entrypoints.errors import install_error_handlers
from ecocirc_intake.entrypoints.limits import IMPORT_LIMIT, JSON_LIMIT, BodySizeLimit, limit_for


def app() -> FastAPI:
    application = FastAPI()
    application.add_middleware(BodySizeLimit)
    install_error_handlers(application)

    @application.post("/v1/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return application


def test_limits_by_route() -> None:
    assert limit_for("/v1/imports") == IMPORT_LIMIT and limit_for("/v1/companies") == JSON_LIMIT


async def test_declared_and_streamed_bodies() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://t") as client:
        assert (await client.post("/v1/echo", content=b"x" * 10)).json() == {"size": 10}
        too_big = await client.post("/v1/echo", content=b"x" * (JSON_LIMIT + 1))
        assert too_big.status_code == 413 and "trop volumineuse" in too_big.json()["detail"]

        async def stream():  # type: ignore[no-untyped-def]
            for _ in range(3):
                yield b"x" * (JSON_LIMIT // 2)

        assert (await client.post("/v1/echo", content=stream())).status_code == 413
        bad = await client.post("/v1/echo", content=b"x", headers={"Content-Length": "abc"})
        assert bad.status_code == 413
