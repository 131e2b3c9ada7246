"""docs/configuration.md is generated from the settings classes and must be regenerated when they change."""

from __future__ import annotations

import re
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
    # Cells are split on unescaped pipes: the type cell of an enum holds escaped ones.
    rows = {
        cells[1].strip(" `"): cells
        for line in text.splitlines()
        if line.startswith("| `")
        for cells in [re.split(r"(?<!\\)\|", line)]
    }
    assert set(rows) == {f"ECOCIRC_{name.upper()}" for name in Settings.model_fields}
    for name, row in rows.items():
        assert bool(row[4].strip()) == (name in REQUIRED_VARIABLES), name
    assert rows["ECOCIRC_ADMIN_TOKEN"][5].strip() == "yes", "secret"
    # Each service asks only for its own: the matcher needs neither SMTP nor the admin token.
    assert rows["ECOCIRC_ADMIN_TOKEN"][4].strip() == "intake"
    assert rows["ECOCIRC_SMTP_HOST"][6].strip() == "notifier"
    assert rows["ECOCIRC_LINK_SECRET"][4].strip() == "intake, notifier"
    assert rows["ECOCIRC_DATABASE_URL"][4].strip() == "intake, matcher, notifier"


def test_check_mode_fails_on_a_stale_file_and_passes_once_written(tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    target.write_text("# stale\n")
    assert config_reference.main(["--check", "--output", str(target)]) == 1
    assert config_reference.main(["--output", str(target)]) == 0
    assert config_reference.main(["--check", "--output", str(target)]) == 0
