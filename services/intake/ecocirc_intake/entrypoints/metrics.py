"""HTTP request metrics for Prometheus: count and latency per route template, method and status.

Every label value comes from a fixed set: a client choosing its method or path must not be able to
create new time series (each costs memory in this process and in Prometheus for as long as it runs).
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("ecocirc_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("ecocirc_http_request_seconds", "HTTP request latency", ["method", "route"])
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
UNMATCHED_ROUTE = "unmatched"


def method_label(method: str) -> str:
    """The method, or "other" for any method the API does not know (HTTP lets clients invent them)."""
    return method if method in KNOWN_METHODS else OTHER_METHOD


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
            template = getattr(route, "path", UNMATCHED_ROUTE)
            method = method_label(scope["method"])
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(time.perf_counter() - started)
