"""The service boundaries of docs/boundaries.md, checked on the source: no service imports another
service's package, and a service's SQL writes only its own schemas and reads of another service only
its read contract (`<service>_read` views)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "matcher", "notifier")
PACKAGES = {f"ecocirc_{service}": service for service in SERVICES}


def package_dir(service: str) -> Path:
    return ROOT / "services" / service / f"ecocirc_{service}"


def python_files(service: str) -> list[Path]:
    return sorted(package_dir(service).rglob("*.py"))


def imported_packages(source: str) -> set[str]:
    """Top-level packages a module imports, statically or through importlib.import_module("...")."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found


def foreign_imports(source: str, service: str) -> set[str]:
    return {p for p in imported_packages(source) if PACKAGES.get(p, service) != service}


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another_service_package(service: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(found)
        for path in python_files(service)
        if (found := foreign_imports(path.read_text(encoding="utf-8"), service))
    }
    assert not wrong, f"{service} imports another service's package: {wrong}"


def test_shared_imports_no_service_package() -> None:
    """What the services agree on depends on none of them (a dynamic import counts too)."""
    wrong = {
        str(path.relative_to(ROOT)): sorted(found)
        for path in sorted((ROOT / "shared" / "ecocirc_shared").rglob("*.py"))
        if (found := imported_packages(path.read_text(encoding="utf-8")) & PACKAGES.keys())
    }
    assert not wrong, wrong


# ---- SQL -----------------------------------------------------------------------------------------
# A string is SQL when it holds an upper-case statement keyword (docstrings and log text are prose).
_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|TRUNCATE)\b")
_NAME = r'"?(?P<schema>\w+)"?\."?\w+"?'
_WRITES = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE(?:\s+ONLY)?|DELETE\s+FROM|ALTER\s+(?:TABLE|VIEW)|TRUNCATE(?:\s+TABLE)?"
    r"|CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW|SCHEMA|FUNCTION)|DROP\s+(?:TABLE|VIEW|SCHEMA|FUNCTION)"
    r"|CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+ON)"
    r"\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?" + _NAME,
    re.IGNORECASE,
)
_QUALIFIED = re.compile(r"(?<![\w.])" + _NAME)


def sql_texts(service: str) -> list[tuple[str, str]]:
    """(where, text) of every SQL string of a service: its migrations and its Python string constants."""
    texts = [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for path in sorted((package_dir(service) / "migrations").glob("*.sql"))
    ]
    for path in python_files(service):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(node.value):
                texts.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    return texts


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def sql_violations(sql: str, service: str) -> list[str]:
    """Writes outside the service's schemas, and reads of another service's private tables."""
    sql = _without_comments(sql)
    own = {service, f"{service}_read"}
    problems = [
        f"writes {m.group(0).split()[-1]}"
        for m in _WRITES.finditer(sql)
        if m.group("schema").lower() not in own
    ]
    problems += [
        f"reads {m.group(0)}"
        for m in _QUALIFIED.finditer(sql)
        if m.group("schema") in SERVICES and m.group("schema") != service
    ]
    return problems


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_writes_only_its_own_schema_and_reads_others_through_their_contract(service: str) -> None:
    texts = sql_texts(service)
    assert texts, "no SQL found: the scan itself is broken"
    wrong = {where: found for where, text in texts if (found := sql_violations(text, service))}
    assert not wrong, f"{service} crosses a boundary in SQL: {wrong}"


@pytest.mark.parametrize(
    ("sql", "service", "expected"),
    [
        ("UPDATE notifier.synergies SET status = $2", "intake", ["writes notifier.synergies"]),
        ("INSERT INTO notifier.advisor_preferences (advisor_id) VALUES ($1)", "intake", ["writes"]),
        ("SELECT * FROM intake.companies WHERE id = $1", "notifier", ["reads intake.companies"]),
        ("CREATE VIEW notifier_read.synergies_v1 AS SELECT 1", "intake", ["writes"]),
        ("SELECT snapshot FROM notifier_read.synergies_v1", "intake", []),
        ("UPDATE deliveries SET status = 'sent'", "notifier", []),
        ("CREATE VIEW intake_read.companies_v1 AS SELECT id FROM intake.companies", "intake", []),
        ('INSERT INTO "intake".outbox (event_id) VALUES ($1)', "intake", []),
    ],
)
def test_the_sql_check_tells_crossings_apart(sql: str, service: str, expected: list[str]) -> None:
    found = sql_violations(sql, service)
    assert [f[: len(e)] for f, e in zip(found, expected, strict=False)] == expected and len(found) >= len(
        expected
    )
    assert bool(found) == bool(expected)


def test_the_import_check_sees_static_and_dynamic_imports() -> None:
    source = (
        "import ecocirc_notifier.bootstrap\n"
        "from ecocirc_notifier.domain.headers import token_for\n"
        "import importlib\n"
        "importlib.import_module('ecocirc_matcher.bootstrap')\n"
        "from ecocirc_intake.domain import text\n"
        "from ecocirc_shared.events import decode\n"
    )
    assert foreign_imports(source, "intake") == {"ecocirc_notifier", "ecocirc_matcher"}
