"""The command line on files it cannot read: exit 2 and a plain message, never a
traceback with exit 1 (for ``check``, 1 means "breaks a rule"; issue 9, point 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flexbank.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"format": "\xff\xfe"}', "not UTF-8"),
        (b"[" * 100_000, "RecursionError"),
    ],
)
def test_unreadable_files_exit_2(tmp_path: Path, content: bytes, why: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    for args in (["check", str(bad), str(bad)], ["schema", "scenario", str(bad)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert why in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["check", str(tmp_path / "missing.json"), str(bad)])
    assert result.exit_code == 2
