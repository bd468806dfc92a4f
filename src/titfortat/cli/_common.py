"""What every command group shares: the --debug state, error handling, formats.

Kept apart from ``titfortat.cli`` so that sub-command modules (``actors``,
``effects``) can use it without importing the main app.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from titfortat.exceptions import TitForTatError

__all__ = ["FormatOption", "OutputFormat", "errors", "state"]

#: Set by the main app's ``--debug`` flag; read when an error is handled.
state: dict[str, bool] = {"debug": False}
_err = Console(stderr=True)


class OutputFormat(enum.StrEnum):
    """Output formats of commands that print data."""

    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table for people, json or csv for scripts."),
]


@contextmanager
def errors(*, usage: bool = True) -> Iterator[None]:
    """Library errors become one red line and exit 1; with ``usage``, other
    ``ValueError``s are usage errors and exit 2. ``--debug`` shows tracebacks.
    """
    try:
        yield
    except TitForTatError as err:
        if state["debug"]:
            raise
        _err.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    except ValueError as err:
        if not usage or state["debug"]:
            raise
        _err.print(f"[red]usage error:[/red] {err}", highlight=False)
        raise typer.Exit(code=2) from err
