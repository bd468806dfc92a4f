"""Getting a file ready for DuckDB, and clear errors when it cannot be.

Traps handled here, each covered by a test: empty files, byte-order marks,
CR-only (classic Mac) line endings, encodings DuckDB cannot read natively
(transcoded to UTF-8 in a streaming pass), zip archives (GDELT ships its daily
files zipped), Excel workbooks (GTD) and malformed lines (sent to quarantine
through DuckDB's ``store_rejects``).
"""

from __future__ import annotations

import codecs
import csv
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from titfortat.events.sources._base import Params, RawColumns, ReadPlan
from titfortat.exceptions import DataError, Reason, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    from titfortat.events.sources._base import Reader

#: Encodings DuckDB's CSV reader decodes itself; others are transcoded first.
NATIVE_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
}
_CHUNK = 1 << 20


def check_readable(path: Path) -> None:
    """Raise a clear error for a missing, unreadable or empty file."""
    if not path.exists():
        raise DataError(
            f"{path}: no such file. Check the path (globs are expanded "
            "by titfortat: quote them in the shell)."
        )
    if not path.is_file():
        raise DataError(f"{path}: is not a regular file. Pass files or a glob.")
    if path.stat().st_size == 0:
        raise SchemaError(
            f"{path}: the file is empty (0 bytes). Expected a header line and rows. "
            "Re-export the file, or leave it out of the ingest.",
            reason=Reason.EMPTY_FILE,
            path=str(path),
        )


def unpack(path: Path, workdir: Path) -> Path:
    """Return a plain file for ``path``: zip members are extracted, streaming."""
    if path.suffix.lower() != ".zip":
        return path
    with zipfile.ZipFile(path) as zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) != 1:
            raise DataError(
                f"{path}: expected a zip archive with exactly one file (as GDELT "
                f"ships them); found {len(members)}. Unzip it and ingest the files."
            )
        target = workdir / Path(members[0].filename).name
        with zf.open(members[0]) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
    if target.stat().st_size == 0:
        check_readable(target)
    return target


def transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """Stream ``path`` from ``encoding`` to a UTF-8 copy in ``workdir``."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(
            f"Unknown encoding {encoding!r} for {path}. Expected a Python codec name "
            "such as 'utf-8', 'latin-1', 'cp1252' or 'utf-16'."
        ) from None
    target = workdir / (path.stem + ".utf8" + path.suffix)
    with (
        open(path, encoding=encoding, newline="") as src,
        open(target, "w", encoding="utf-8", newline="") as dst,
    ):
        shutil.copyfileobj(src, dst, _CHUNK)
    return target


def xlsx_to_csv(path: Path, workdir: Path) -> Path:
    """Write the first sheet of a workbook to CSV, row by row (GTD ships XLSX)."""
    from openpyxl import load_workbook

    target = workdir / (path.stem + ".csv")
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        with open(target, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            for row in ws.iter_rows(values_only=True):
                writer.writerow(["" if v is None else _cell_text(v) for v in row])
    finally:
        wb.close()
    return target


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def locate_bad_utf8(path: Path) -> tuple[int, int, bytes]:
    """Find the first byte that is not valid UTF-8: (line, byte offset, bytes)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                head = chunk[: err.start]
                line += head.count(b"\n") or head.count(b"\r")
                return line, offset + err.start, chunk[err.start : err.start + 4]
            line += chunk.count(b"\n") or chunk.count(b"\r")
            offset += len(chunk)
    return line, offset, b""


def encoding_error(path: Path, encoding: str) -> DataError:
    """The error for a file that does not decode as ``encoding``."""
    line, offset, bad = locate_bad_utf8(path)
    return SchemaError(
        f"{path}: line {line} (byte {offset}) holds bytes {bad!r} that are not valid "
        f"{encoding}. Expected UTF-8 text (GTD and older Excel exports are often "
        "Latin-1 or Windows-1252). Fix: pass encoding='latin-1' or 'cp1252' "
        "(CLI: --encoding cp1252), or re-save the file as UTF-8.",
        reason=Reason.ENCODING,
        path=str(path),
        line=line,
        value=bad,
    )


def prepare(path: Path, reader: Reader, workdir: Path) -> tuple[Path, str]:
    """Return (file DuckDB can read, its DuckDB encoding name)."""
    check_readable(path)
    path = unpack(path, workdir)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return xlsx_to_csv(path, workdir), "utf-8"
    enc = reader.encoding.lower()
    if enc in NATIVE_ENCODINGS:
        return path, NATIVE_ENCODINGS[enc]
    return transcode(path, reader.encoding, workdir), "utf-8"


def csv_plan(
    con: Any,
    path: Path,
    reader: Reader,
    p: Params,
    rejects: str,
    workdir: Path,
    names: list[str] | None = None,
) -> ReadPlan:
    """Plan a ``read_csv`` scan of ``path`` with every column as text."""
    ready, encoding = prepare(path, reader, workdir)
    opts = dict(reader.csv_options)
    if names is not None:
        opts["names"] = names
    args = ", ".join(f"{k}={p(v)}" for k, v in opts.items())
    base = f"read_csv({p(str(ready))}, all_varchar=true, encoding={p(encoding)}, {args}"
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM {base}, sample_size=2048, ignore_errors=true)",
            p.values,
        ).fetchall()
    except Exception as err:  # duckdb raises its own hierarchy
        raise read_error(path, ready, encoding, err) from err
    columns = RawColumns([row[0] for row in described], str(path))
    relation = (
        f"{base}, store_rejects=true, rejects_table={p(rejects)}, "
        f"rejects_scan={p(rejects + '_scan')})"
    )
    return ReadPlan(
        relation, columns, header_lines=1 if opts.get("header") else 0, rejects=rejects
    )


def read_error(path: Path, ready: Path, encoding: str, err: Exception) -> DataError:
    """Turn a DuckDB read failure into an error that says how to fix it."""
    text = str(err)
    if "invalid unicode" in text.lower():
        return encoding_error(ready, encoding)
    first = text.strip().splitlines()[0] if text.strip() else type(err).__name__
    return SchemaError(
        f"{path}: could not be read as {encoding} CSV: {first}. Expected a "
        "delimited text file with a header row. Check the file and the --format.",
        reason=Reason.UNREADABLE_FILE,
        path=str(path),
    )


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="titfortat-ingest-"))
