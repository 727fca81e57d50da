"""Shared pieces of the command line: reading files, reporting bad input (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from flexbank.models import Plan, Scenario
from flexbank.validation import FormatError, load_plan, load_scenario

console = Console()
err_console = Console(stderr=True)

EXIT_BAD_INPUT = 2


def fail_with(error: FormatError, source: Path | str) -> NoReturn:
    err_console.print(f"[bold red]{source}[/]: {len(error.problems)} problem(s)")
    for problem in error.problems:
        err_console.print(f"  [red]{problem.path}[/]: {problem.message}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def unreadable(path: Path | str, why: str) -> NoReturn:
    """A file that cannot be read at all (missing, a directory, not UTF-8): exit 2,
    never a traceback (exit 1 means "breaks a rule" for ``check``)."""
    err_console.print(f"[bold red]{path}[/]: cannot be read: {why}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def read_scenario(path: Path) -> Scenario:
    """Load a scenario or print every problem and exit 2."""
    try:
        return load_scenario(path)
    except FormatError as error:
        fail_with(error, path)
    except UnicodeDecodeError as error:
        unreadable(path, f"not UTF-8 text (byte {error.start})")
    except (OSError, RecursionError, ValueError) as error:
        unreadable(path, type(error).__name__)


def read_plan(path: Path, scenario: Scenario | None = None) -> Plan:
    """Load a plan or print every problem and exit 2."""
    try:
        return load_plan(path, scenario)
    except FormatError as error:
        fail_with(error, path)
    except UnicodeDecodeError as error:
        unreadable(path, f"not UTF-8 text (byte {error.start})")
    except (OSError, RecursionError, ValueError) as error:
        unreadable(path, type(error).__name__)


def write_json(data: object, path: Path | None) -> None:
    """JSON to a file, or to standard output when ``path`` is None or '-'."""
    text = json.dumps(data, indent=1, ensure_ascii=False)
    if path is None or str(path) == "-":
        typer.echo(text)
    else:
        path.write_text(text + "\n", encoding="utf-8")
