"""Prometheus metrics over HTTP for the workers (the API serves its own /metrics)."""

from __future__ import annotations

from prometheus_client import start_http_server

from ecocirc_shared.logging import get_logger
from ecocirc_shared.settings import RuntimeSettings

log = get_logger(__name__)


def serve_metrics(settings: RuntimeSettings) -> None:
    """Serve the process's metrics on ECOCIRC_METRICS_PORT, if set (a background thread)."""
    if settings.metrics_port is None:
        return
    start_http_server(settings.metrics_port, addr=settings.api_host)
    log.info("metrics_serving", port=settings.metrics_port)
