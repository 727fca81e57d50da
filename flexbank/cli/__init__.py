"""The ``flexbank`` command line. Each submodule registers the commands of one idea."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="flexbank",
    help="Shift matching for a shared bank of flexible care workers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Shift matching for a shared bank of flexible care workers."""


# Each module has register(app); missing ones (work in progress) are skipped.
_COMMAND_MODULES = ("schema", "compliance", "sample", "solve", "check", "demo", "service")

for _name in _COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"flexbank.cli.{_name}")
    except ModuleNotFoundError as _exc:  # pragma: no cover - only while building
        if _exc.name != f"flexbank.cli.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:
    app()
