"""docs/configuration.md is generated from the Settings class and must be regenerated when it changes."""

from __future__ import annotations

from pathlib import Path

from ecocirc_shared import config_reference
from ecocirc_shared.settings import Settings
from tests.unit.deploy._support import REQUIRED_VARIABLES, ROOT

DOC = ROOT / "docs" / "configuration.md"


def test_docs_configuration_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == config_reference.render(), (
        "docs/configuration.md is out of date: run `python -m ecocirc_shared.config_reference`"
    )


def test_every_setting_is_documented_and_the_required_ones_are_marked() -> None:
    text = config_reference.render()
    rows = {line.split("|")[1].strip(" `"): line for line in text.splitlines() if line.startswith("| `")}
    assert set(rows) == {f"ECOCIRC_{name.upper()}" for name in Settings.model_fields}
    for name, row in rows.items():
        assert (row.split("|")[4].strip() == "yes") == (name in REQUIRED_VARIABLES), name
    assert rows["ECOCIRC_ADMIN_TOKEN"].split("|")[5].strip() == "yes", "secret"


def test_check_mode_fails_on_a_stale_file_and_passes_once_written(tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    target.write_text("# stale\n")
    assert config_reference.main(["--check", "--output", str(target)]) == 1
    assert config_reference.main(["--output", str(target)]) == 0
    assert config_reference.main(["--check", "--output", str(target)]) == 0
