"""HTTP request metrics for Prometheus: count and latency per route template, method and status."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("ecocirc_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("ecocirc_http_request_seconds", "HTTP request latency", ["method", "route"])


class RequestMetrics:
    """Pure ASGI middleware; labels use the route template (`/v1/flows/{flow_id}`), never raw ids."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUESTS.labels(scope["method"], template, str(status)).inc()
            LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)
