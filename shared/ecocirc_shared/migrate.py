"""`python -m ecocirc_shared.migrate [intake matcher notifier]`: apply the services' schema migrations.

Each service also applies its own at start (under an advisory lock, so replicas do not race); this
command lets an operator migrate before a rollout, e.g. from a Kubernetes Job or an init container.

Why not Alembic or yoyo: both drive PostgreSQL through SQLAlchemy or DB-API drivers, a second driver
beside asyncpg only to run a few plain SQL files; `ecocirc_shared.db.migrate` is the forty lines
that do it with asyncpg: numbered files, one transaction each, recorded in <schema>.schema_migrations.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib

from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.logging import configure_logging
from ecocirc_shared.outbox import outbox_ddl
from ecocirc_shared.settings import DatabaseSettings

# Service -> (its schema, whether it writes events through an outbox).
SERVICES = {"intake": ("intake", True), "matcher": ("matcher", True), "notifier": ("notifier", False)}


async def run(settings: DatabaseSettings, services: list[str]) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for service in services:
        schema, with_outbox = SERVICES[service]
        migrations = importlib.import_module(f"ecocirc_{service}.bootstrap").MIGRATIONS
        pool = await create_pool(settings, schema, max_size=1)
        try:
            applied[service] = await migrate(
                pool, schema, migrations, extra_ddl=outbox_ddl(schema) if with_outbox else ""
            )
        finally:
            await pool.close()
    return applied


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "services", nargs="*", metavar="SERVICE", help="intake, matcher, notifier (default: all)"
    )
    args = parser.parse_args()
    unknown = set(args.services) - SERVICES.keys()
    if unknown:
        parser.error(f"unknown service(s): {', '.join(sorted(unknown))}; choose among {', '.join(SERVICES)}")
    settings = DatabaseSettings()
    configure_logging("migrate", settings.log_level, settings.log_json)
    for service, names in asyncio.run(run(settings, args.services or list(SERVICES))).items():
        print(f"{service}: {', '.join(names) if names else 'up to date'}")


if __name__ == "__main__":
    main()
