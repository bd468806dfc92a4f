"""What every command group shares: error handling, formats, stores, outputs.

Kept apart from ``titfortat.cli`` so that sub-command modules (``actors``,
``effects``, ``report``) can use it without importing the main app.

* :func:`errors` turns every failure into one red line and an exit code:
  2 for usage errors, 1 for data and store problems (disk full and lock
  conflicts included, with their real cause), 3 for internal errors (a bug:
  ``--debug`` shows the traceback).
* :data:`StoreOption` / :data:`DemoOption` and :func:`open_store`: every
  command that reads a store defaults to ``./titfortat.duckdb`` (or
  ``$TITFORTAT_STORE``); the bundled data only with ``--demo`` or
  ``--store demo``.
* :func:`check_output`: nothing is written over an existing file without
  ``--force``, nor over an input; missing parent folders are created.
"""

from __future__ import annotations

import enum
import errno
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.markup import escape

from titfortat.exceptions import StoreError, TitForTatError, UsageError

__all__ = [
    "DEFAULT_STORE",
    "DemoOption",
    "ForceOption",
    "FormatOption",
    "JsonOption",
    "OutputFormat",
    "StoreOption",
    "check_output",
    "errors",
    "open_store",
    "pick_format",
    "state",
    "store_path",
]

#: Set by the main app's ``--debug`` flag; read when an error is handled.
state: dict[str, bool] = {"debug": False}
_err = Console(stderr=True)

#: The store every command reads and writes unless told otherwise.
DEFAULT_STORE = "titfortat.duckdb"
#: ``--store`` values that name the bundled data instead of a file.
DEMO_STORE = "demo"
_DEMO_LABEL = "the bundled demo data (geocausal Iraq 2007-08, in memory)"
# A URL scheme or a DuckDB prefix such as "md:" (two letters at least, so that
# a Windows drive "C:" stays a path).
_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


class OutputFormat(enum.StrEnum):
    """Output formats of commands that print data."""

    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table for people, json or csv for scripts."),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Same as --format json.", show_default=False)
]
StoreOption = Annotated[
    str,
    typer.Option(
        "--store",
        "-s",
        envvar="TITFORTAT_STORE",
        help="Event store file (DuckDB); 'demo' reads the bundled Iraq 2007-08 data.",
    ),
]
DemoOption = Annotated[
    bool,
    typer.Option(
        "--demo",
        help="Read the bundled Iraq 2007-08 data instead of a store.",
        show_default=False,
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace an existing output file.", show_default=False
    ),
]


RadiusKmOption = Annotated[
    float, typer.Option("--radius-km", help="Event-study radius in km (> 0).")
]
WindowDaysOption = Annotated[
    int, typer.Option("--window-days", help="Event-study days before and after.")
]
PlacebosOption = Annotated[
    int,
    typer.Option(
        "--placebos",
        help="Placebo pool size, sampled from all candidates; 0 (default): all "
        "of them. A sampled pool that has not settled makes a finding "
        "'inconclusive'.",
    ),
]


def check_event_study_options(
    radius_km: float, window_days: int, placebos: int
) -> None:
    """Refuse event-study options no estimate can use, naming each value."""
    if window_days < 1 or placebos < 0 or 0 < placebos < 10 or not radius_km > 0:
        raise ValueError(
            "--window-days must be >= 1, --placebos 0 (all) or >= 10 and "
            "--radius-km > 0. "
            f"Got {window_days}, {placebos} and {radius_km}."
        )


def pick_format(fmt: Any, as_json: bool) -> Any:
    """``--json`` is an alias of ``--format json``; both at once must agree."""
    if not as_json:
        return fmt
    if fmt.value not in {"table", "json"}:
        raise UsageError(f"--json and --format {fmt.value} contradict; pass one.")
    return type(fmt)("json")


def store_path(store: str | Path, *, writes: bool) -> Path:
    """A ``--store`` value checked to be a local file that keeps its data.

    Raises
    ------
    UsageError
        For ``:memory:`` (nothing would be kept, nothing can be read) and for
        remote or extension paths (``md:``, ``s3://``, ``http://``): DuckDB
        would try to install network extensions. Python users who want those
        pass ``allow_remote=True`` to :class:`~titfortat.events.EventStore`.
    """
    text = str(store)
    if text == ":memory:":
        what = "keeps nothing once the command ends" if writes else "is empty"
        raise UsageError(
            f"--store :memory: {what}. Give a file, e.g. --store {DEFAULT_STORE}."
        )
    if _REMOTE.match(text) and not Path(text).exists():
        raise UsageError(
            f"--store {text!r} is not a local file. The command line reads and "
            "writes local DuckDB files only (md:, s3://, http:// would make DuckDB "
            "load network extensions). Copy the file here, or use "
            "EventStore(path, allow_remote=True) in Python."
        )
    return Path(text)


def open_store(store: str | Path, *, demo: bool = False) -> tuple[Any, str]:
    """The event store a read-only command analyses, and a label naming it.

    ``--demo`` or ``--store demo`` (when no file of that name exists) give the
    bundled data; anything else is a local store file opened read-only.
    """
    path = existing_store(store, demo=demo)
    if path is None:
        from titfortat.datasets import load_demo_store

        return load_demo_store(), _DEMO_LABEL
    from titfortat.events import EventStore

    return EventStore(path, read_only=True), str(path)


def existing_store(store: str | Path, *, demo: bool = False) -> Path | None:
    """The store file a read-only command names, or None for the bundled data
    (``--demo``, or ``--store demo`` when no file of that name exists).

    Raises StoreError naming the three ways out when the file does not exist.
    """
    if demo or (str(store) == DEMO_STORE and not Path(DEMO_STORE).exists()):
        return None
    path = store_path(store, writes=False)
    if not path.exists():
        raise StoreError(
            f"No event store at {str(path)!r}. Create it with 'titfortat ingest', "
            "pass --store FILE (or set TITFORTAT_STORE), or use --demo for the "
            "bundled Iraq 2007-08 data."
        )
    return path


def check_output(
    output: Path, *, force: bool, inputs: Iterable[str | Path] = ()
) -> Path:
    """Make ``output`` safe to write: no input, no existing file unless forced.

    Missing parent folders are created (and named if that fails).
    """
    target = output.expanduser().resolve()
    for item in inputs:
        text = str(item)
        if text in {":memory:", DEMO_STORE} and not Path(text).exists():
            continue
        source = Path(text).expanduser().resolve()
        if target in {source, source.with_name(source.name + ".wal")}:
            raise UsageError(
                f"--output {str(output)!r} is an input of this command ({text}); "
                "writing it would destroy what is being read. Choose another file."
            )
    if target.is_dir():
        raise UsageError(
            f"--output {str(output)!r} is a folder. Give a file name inside it."
        )
    if target.exists() and not force:
        raise UsageError(
            f"--output {str(output)!r} exists. Pass --force to replace it, or "
            "choose another file."
        )
    parent = target.parent
    if parent.exists() and not parent.is_dir():
        raise UsageError(
            f"--output {str(output)!r}: {str(parent)!r} is a file, not a folder. "
            "Choose another path."
        )
    if not parent.exists():
        missing = next(p for p in reversed([parent, *parent.parents]) if not p.exists())
        try:
            parent.mkdir(parents=True)
        except OSError as err:
            raise UsageError(
                f"--output {str(output)!r}: the folder {str(missing)!r} does not "
                f"exist and cannot be created ({err.strerror}). Create it first."
            ) from None
        _err.print(f"created folder {escape(str(parent))}", highlight=False)
    return output


def _say(label: str, text: str) -> None:
    # Messages quote user data (file names, values): escape rich markup so a
    # value like "[/b]" prints as written instead of raising a MarkupError.
    _err.print(f"[red]{label}:[/red] {escape(text)}", highlight=False, soft_wrap=True)


def _os_message(err: OSError) -> str:
    where = f" ({err.filename})" if getattr(err, "filename", None) else ""
    if err.errno == errno.ENOSPC:
        return (
            f"no space left on device{where}. Nothing was kept of this command's "
            "writes. Free disk space, or put the store (--store) and DuckDB's "
            "temporary files (TMPDIR) on a disk with room."
        )
    return f"{err.strerror or err}{where}"


def _is_duckdb(err: BaseException) -> bool:
    return type(err).__module__.split(".")[0] in {"duckdb", "_duckdb"}


@contextmanager
def errors(*, usage: bool = True) -> Iterator[None]:
    """Turn every failure into one red line and an exit code.

    Library errors exit with their ``exit_code`` (usage 2, data 1, internal
    3). With ``usage``, other ``ValueError``\\ s count as usage errors (exit
    2); without it, as internal errors. Operating-system and DuckDB errors
    (disk full, permissions, a lock held by another process) exit 1 with
    their real cause; anything else is a bug and exits 3. ``--debug`` shows
    the traceback instead.
    """
    try:
        yield
    except (
        click.exceptions.Exit,
        click.exceptions.Abort,
        click.ClickException,
        typer.Exit,  # not a click Exit in typer >= 0.16: a RuntimeError
    ):
        raise
    except TitForTatError as err:
        if state["debug"]:
            raise
        code = err.exit_code
        _say({2: "usage error", 3: "internal error"}.get(code, "error"), str(err))
        raise typer.Exit(code=code) from None
    except ValueError as err:
        if state["debug"]:
            raise
        if usage:
            _say("usage error", str(err))
            raise typer.Exit(code=2) from None
        _internal(err)
    except OSError as err:
        if state["debug"]:
            raise
        _say("error", _os_message(err))
        raise typer.Exit(code=1) from None
    except Exception as err:
        if state["debug"]:
            raise
        if _is_duckdb(err):
            _say("error", f"DuckDB: {str(err).strip().splitlines()[0]}")
            raise typer.Exit(code=1) from None
        _internal(err)


def _internal(err: BaseException) -> None:
    _say(
        "internal error",
        f"{type(err).__name__}: {err}. This is a bug in titfortat: rerun with "
        "--debug and report the traceback.",
    )
    raise typer.Exit(code=3) from None
