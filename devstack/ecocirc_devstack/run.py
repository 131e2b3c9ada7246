"""`make run`: the whole platform on embedded defaults, supervised by honcho, stopped cleanly by Ctrl-C.

Anything configured through ECOCIRC_* (database, broker, SMTP, admin token, port) is used as
given; what is not is provided locally: PostgreSQL under var/pg, tansu, an SMTP sink writing
var/mail/*.eml, an admin token generated once into var/admin_token, and the key of the links in
emails generated once into var/link_secret.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
import threading
import time
import urllib.request
from pathlib import Path

from honcho.manager import Manager
from honcho.printer import Printer

from ecocirc_devstack.components import EmbeddedPostgres, broker_command, free_port

# tansu polls on Fetch and holds JoinGroup for session_timeout/2 (broker-notes.md): short waits
# keep a two-hop pipeline around 100 ms and a worker ready in about 3 s.
EMBEDDED_KAFKA_TUNING = {
    "ECOCIRC_KAFKA_FETCH_MAX_WAIT_MS": "100",
    "ECOCIRC_KAFKA_SESSION_TIMEOUT_MS": "3000",
    "ECOCIRC_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
}


def admin_token(var_dir: Path) -> tuple[str, bool]:
    """The configured admin token, or the one kept under var/, or a new one (printed once)."""
    if token := os.environ.get("ECOCIRC_ADMIN_TOKEN"):
        return token, False
    path = var_dir / "admin_token"
    if path.exists():
        return path.read_text().strip(), False
    token = secrets.token_urlsafe(32)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token, True


def link_secret(var_dir: Path) -> str:
    """The configured key of the links in emails, or the one kept under var/ (so links survive a restart)."""
    if secret := os.environ.get("ECOCIRC_LINK_SECRET"):
        return secret
    path = var_dir / "link_secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def platform_env(var_dir: Path) -> tuple[dict[str, str], dict[str, str], EmbeddedPostgres | None]:
    """Environment of the services, and the commands of the embedded components to supervise."""
    env = {k: v for k, v in os.environ.items()}
    components: dict[str, str] = {}
    env["ECOCIRC_EMBEDDED"] = "true"
    env["ECOCIRC_VAR_DIR"] = str(var_dir)
    env.setdefault("ECOCIRC_LOG_JSON", "false")
    postgres = None
    if not env.get("ECOCIRC_DATABASE_URL"):
        postgres = EmbeddedPostgres(var_dir / "pg")
        env["ECOCIRC_DATABASE_URL"] = postgres.url
    if not env.get("ECOCIRC_KAFKA_BOOTSTRAP"):
        port = free_port()
        components["broker"] = shlex.join(broker_command(port))
        env["ECOCIRC_KAFKA_BOOTSTRAP"] = f"127.0.0.1:{port}"
        for key, value in EMBEDDED_KAFKA_TUNING.items():
            env.setdefault(key, value)
    if not env.get("ECOCIRC_SMTP_HOST"):
        port = free_port()
        components["smtp"] = shlex.join(
            [
                sys.executable,
                "-m",
                "ecocirc_devstack.smtp_sink",
                "--dir",
                str(var_dir / "mail"),
                "--port",
                str(port),
            ]
        )
        env["ECOCIRC_SMTP_HOST"] = "127.0.0.1"
        env["ECOCIRC_SMTP_PORT"] = str(port)
    env.setdefault("ECOCIRC_MAIL_FROM", "eco-circulaire@localhost")
    return env, components, postgres


def announce_when_ready(port: int, token: str, new_token: bool, var_dir: Path) -> None:
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        time.sleep(0.2)
    lines = [
        f"Eco'circulaire est prêt en {time.monotonic() - started:.1f} s : http://127.0.0.1:{port}/docs",
        f"Courriels : {var_dir / 'mail'}",
    ]
    if new_token:
        lines.append(
            f"Jeton administrateur (affiché une seule fois, gardé dans {var_dir / 'admin_token'}) : {token}"
        )
    else:
        lines.append("Jeton administrateur : ECOCIRC_ADMIN_TOKEN ou var/admin_token")
    print("\n".join(f"*** {line}" for line in lines), flush=True)


def main() -> int:
    var_dir = Path(os.environ.get("ECOCIRC_VAR_DIR", "var")).resolve()
    (var_dir / "mail").mkdir(parents=True, exist_ok=True)
    token, new_token = admin_token(var_dir)
    env, components, postgres = platform_env(var_dir)
    env["ECOCIRC_ADMIN_TOKEN"] = token
    env["ECOCIRC_LINK_SECRET"] = link_secret(var_dir)
    port = int(env.get("ECOCIRC_API_PORT", "8000"))
    manager = Manager(Printer(sys.stdout, colour=sys.stdout.isatty()))
    for name, cmd in components.items():
        manager.add_process(name, cmd, env=env)
    for service in ("intake", "matcher", "notifier"):
        manager.add_process(service, shlex.join([sys.executable, "-m", f"ecocirc_{service}"]), env=env)
    threading.Thread(target=announce_when_ready, args=(port, token, new_token, var_dir), daemon=True).start()
    try:
        manager.loop()
    finally:
        if postgres is not None:
            postgres.stop()
    failed = [name for name, p in manager._processes.items() if p.get("returncode") not in (0, None, -2, -15)]
    if manager.returncode not in (0, 130, 143, None) or failed:
        print(
            f"Eco'circulaire s'est arrêté : {', '.join(failed) or 'un service'} a échoué (voir ses lignes "
            "ci-dessus) ; les autres services ont été arrêtés.",
            file=sys.stderr,
        )
        return 1
    print("Eco'circulaire arrêté proprement.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
