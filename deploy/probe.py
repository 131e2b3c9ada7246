#!/opt/venv/bin/python
"""Container health probe: `ecocirc-probe live|ready [intake|matcher|notifier]`, exit 0 when healthy.

The intake answers over HTTP (/healthz, /readyz). The matcher and notifier have no HTTP endpoint yet,
so for them `live` means "the service process is running" and `ready` adds "the Kafka broker and
PostgreSQL accept TCP connections". Standard library only: it runs beside the service in the image.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

SERVICES = ("intake", "matcher", "notifier")
TIMEOUT_S = 3.0


def detect_service(proc: Path = Path("/proc"), wanted: str | None = None) -> tuple[str, int] | None:
    """The service running in this container (or the one `wanted`) and its pid, from command lines."""
    pids = sorted(int(entry.name) for entry in proc.iterdir() if entry.name.isdigit())
    for pid in pids:
        entry = proc / str(pid)
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for i, arg in enumerate(argv[:-1]):
            if arg == b"-m" and argv[i + 1].startswith(b"ecocirc_"):
                name = argv[i + 1].decode()[len("ecocirc_") :]
                if name in SERVICES and wanted in (None, name):
                    return name, pid
    return None


def process_alive(pid: int, proc: Path = Path("/proc")) -> bool:
    """True unless the process is gone, a zombie or stopped."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X", "T")


def kafka_addresses(bootstrap: str) -> list[tuple[str, int]]:
    addresses = []
    for item in bootstrap.split(","):
        host, _, port = item.strip().rpartition(":")
        if host and port.isdigit():
            addresses.append((host.strip("[]"), int(port)))
    return addresses


def database_address(url: str) -> tuple[str, int] | None:
    """host and port of a postgresql:// URL; None for a unix socket, which TCP cannot check."""
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    return parts.hostname, parts.port or 5432


def tcp_open(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=TIMEOUT_S):
            return True
    except OSError:
        return False


def http_ok(path: str) -> bool:
    port = os.environ.get("ECOCIRC_API_PORT", "8000")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=TIMEOUT_S) as response:
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError):
        return False


def dependencies_reachable(environ: dict[str, str]) -> list[str]:
    """What cannot be reached, as messages; empty when the broker and the database answer."""
    problems = []
    brokers = kafka_addresses(environ.get("ECOCIRC_KAFKA_BOOTSTRAP", ""))
    if not any(tcp_open(a) for a in brokers):
        problems.append(f"no Kafka broker reachable among {brokers}")
    db = database_address(environ.get("ECOCIRC_DATABASE_URL", ""))
    if db is not None and not tcp_open(db):
        problems.append(f"PostgreSQL {db[0]}:{db[1]} unreachable")
    return problems


def check(mode: str, service: str | None) -> list[str]:
    found = detect_service(wanted=service)
    if service is None:
        if found is None:
            return ["no ecocirc service process found"]
        service = found[0]
    if service == "intake":
        return [] if http_ok("/healthz" if mode == "live" else "/readyz") else [f"intake {mode} check failed"]
    if found is None or found[0] != service or not process_alive(found[1]):
        return [f"{service} process not running"]
    return [] if mode == "live" else dependencies_reachable(dict(os.environ))


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "ready"
    service = argv[1] if len(argv) > 1 else None
    if mode not in ("live", "ready") or (service is not None and service not in SERVICES):
        print(f"usage: ecocirc-probe live|ready [{'|'.join(SERVICES)}]", file=sys.stderr)
        return 2
    problems = check(mode, service)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
