"""README.md keeps its promises: the test command is the one CI runs, the tables are current."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == ".venv/bin/python -m pytest"
    assert README.count(".venv/bin/python -m pytest") >= 1


def test_setup_commands_refresh_the_shipped_workbook_and_run_the_tests():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    assert any("xlflows refresh workbook/xlflows.xlsm" in b for b in blocks)
    assert any(b.rstrip().endswith(".venv/bin/python -m pytest") for b in blocks)
    assert (ROOT / "workbook" / "xlflows.xlsm").is_file()


def test_readme_shows_the_current_real_data_tables():
    generated = (ROOT / "docs" / "real-data.md").read_text(encoding="utf-8")
    rows = [line for line in generated.splitlines() if line.startswith("|")]
    assert len(rows) > 15
    missing = [row for row in rows if row not in README]
    assert missing == [], "README's real-data tables differ from docs/real-data.md"


def test_readme_names_every_udf():
    from xlflows import udfs

    for func in udfs.UDFS:
        assert f"#### {func.__name__.upper()}(" in README
