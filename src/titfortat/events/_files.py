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
import gzip
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from titfortat.events.sources._base import Params, RawColumns, ReadPlan
from titfortat.exceptions import DataError, Reason, SchemaError, UsageError

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


def check_encoding(encoding: str) -> None:
    """Raise a usage error unless ``encoding`` names a text codec.

    ``rot13`` or ``base64`` are codecs too, but not text encodings; Python
    refuses them only once the file is open.
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, TypeError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise UsageError(
            f"Unknown text encoding {str(encoding)[:40]!r}. Expected a Python codec "
            "name such as 'utf-8', 'latin-1', 'cp1252' or 'utf-16' (CLI: --encoding)."
        )


def transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """Stream ``path`` from ``encoding`` to a UTF-8 copy in ``workdir``."""
    check_encoding(encoding)
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


def locate_bare_cr(path: Path) -> int | None:
    """Physical line of the first carriage return that ends no line, else None.

    DuckDB cannot split a file with ``\\n`` line ends and a bare ``\\r``
    in an unquoted field (its whole scan fails); this names the line.
    """
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            body = raw.removesuffix(b"\n").removesuffix(b"\r")
            if b"\r" in body:
                return n
    return None


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
    """Plan a ``read_csv`` scan of ``path`` with every column as text.

    The columns are given to DuckDB, not sniffed: the sniffer gives up on the
    whole file at one unterminated quote or one line over ``max_line_size``,
    where a scan with known columns sends that line to ``rejects`` and reads
    the rest.
    """
    ready, encoding = prepare(path, reader, workdir)
    ready = literal_path(ready, workdir)
    opts = dict(reader.csv_options)
    if names is None:
        names = read_header(ready, encoding, opts, label=path)
    opts.pop("names", None)
    columns = RawColumns(names, str(path))
    args = ", ".join(f"{k}={p(v)}" for k, v in opts.items())
    relation = (
        f"read_csv({p(str(ready))}, auto_detect=false, "
        f"columns={p(dict.fromkeys(names, 'VARCHAR'))}, encoding={p(encoding)}, "
        f"{args}, store_rejects=true, rejects_table={p(rejects)}, "
        f"rejects_scan={p(rejects + '_scan')})"
    )
    return ReadPlan(
        relation,
        columns,
        header_lines=1 if opts.get("header") else 0,
        rejects=rejects,
        ready=ready,
        encoding=encoding,
    )


#: Characters DuckDB (and :mod:`glob`) read as a pattern in a file name.
GLOB_CHARS = frozenset("*?[]{}")


def literal_path(path: Path, workdir: Path) -> Path:
    """A name for ``path`` that DuckDB cannot glob.

    DuckDB expands ``*``, ``?``, ``[...]`` and ``{...}`` in every path it
    is given and has no escape for them, so a file named ``acled[2024]?.csv``
    would read its neighbours. Such a file is read through a symlink with a
    plain name in ``workdir`` (a copy where symlinks are not allowed); rows
    keep the real name as their ``source_file``.
    """
    if not GLOB_CHARS & set(str(path)):
        return path
    link = workdir / f"input-{len(list(workdir.iterdir()))}{_plain_suffix(path)}"
    try:
        link.symlink_to(path.resolve())
    except OSError:  # no symlinks here (Windows without the privilege): copy
        shutil.copyfile(path, link)
    return link


def _plain_suffix(path: Path) -> str:
    suffix = path.suffix
    return suffix if suffix and not GLOB_CHARS & set(suffix) else ".data"


def read_header(
    path: Path, encoding: str, opts: dict[str, Any], *, label: Path
) -> list[str]:
    """Column names from the first record of ``path`` (blank: ``columnN``).

    Repeated names get ``_1``, ``_2`` suffixes, as DuckDB's sniffer gives them.
    """
    quote = opts.get("quote") or None
    py_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    if not opts.get("header"):
        raise DataError(f"{label}: the reader must give column names (no header).")
    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding=py_encoding, newline="") as fh:
            rows = csv.reader(
                fh,
                delimiter=opts.get("delim", ","),
                quotechar=quote,
                quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE,
            )
            header = next(rows, [])
    except UnicodeDecodeError:
        raise encoding_error(path, encoding) from None
    except csv.Error as err:
        raise SchemaError(
            f"{label}: line 1 (the header) cannot be read: {err}. Expected a line "
            "of column names. Check the file and the --format.",
            reason=Reason.UNREADABLE_FILE,
            path=str(label),
            line=1,
        ) from None
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw or f"column{i:02d}"
        if name.lower() in seen:
            seen[name.lower()] += 1
            name = f"{name}_{seen[name.lower()]}"
        seen.setdefault(name.lower(), 0)
        out.append(name)
    if not out:
        raise SchemaError(
            f"{label}: line 1 is empty. Expected a header line of column names.",
            reason=Reason.MISSING_COLUMN,
            path=str(label),
            line=1,
        )
    return out


def read_error(path: Path, ready: Path, encoding: str, err: Exception) -> DataError:
    """Turn a DuckDB read failure into an error that says how to fix it."""
    text = str(err)
    if "invalid unicode" in text.lower():
        return encoding_error(ready, encoding)
    if "state machine reached an invalid state" in text:
        line = locate_bare_cr(ready)
        if line is not None:
            return SchemaError(
                f"{path}: line {line} holds a carriage return (\\r) inside an "
                "unquoted field of a file whose lines end with \\n, so the file "
                "cannot be split into records. Expected such a field in quotes. "
                "Fix: re-export the file with quoting, or remove the stray \\r "
                "characters (e.g. tr -d '\\r').",
                reason=Reason.MALFORMED_ROW,
                path=str(path),
                line=line,
            )
    first = text.strip().splitlines()[0] if text.strip() else type(err).__name__
    return SchemaError(
        f"{path}: could not be read as {encoding} CSV: {first}. Expected a "
        "delimited text file with a header row. Check the file and the --format.",
        reason=Reason.UNREADABLE_FILE,
        path=str(path),
    )


#: DuckDB keeps at most this many characters of a rejected line in
#: ``csv_line``; longer lines are read back whole from the file.
DUCKDB_LINE_CUT = 10_000
#: A rejected record is read back up to this size; beyond it the text is cut
#: and says so (a whole file without a newline is not a record).
MAX_RECORD_BYTES = 256 << 20


def read_record(path: Path, offset: int, min_bytes: int, encoding: str) -> str:
    """The text of one rejected record: from ``offset`` to the first newline
    after its first ``min_bytes`` bytes (quoted fields may hold newlines).
    """
    py_encoding = "utf-8" if encoding == "utf-8" else encoding
    buf = bytearray()
    with open(path, "rb") as fh:
        # DuckDB 1.x/2.0 reports some errors (line too long) a few bytes into
        # the line; a record starts after a newline, so step back to it.
        start = max(0, offset - 64)
        fh.seek(start)
        before = fh.read(offset - start)
        cut = before.rfind(b"\n")
        offset = start + cut + 1 if cut >= 0 else start
        min_bytes += len(before) - (cut + 1)
        fh.seek(offset)
        while len(buf) < MAX_RECORD_BYTES:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            start = len(buf)
            buf.extend(chunk)
            end = buf.find(b"\n", max(start, min_bytes))
            if end >= 0:
                del buf[end:]
                break
    text = bytes(buf).decode(py_encoding, errors="replace")
    return text.removesuffix("\r")


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="titfortat-ingest-"))


def record_lines(
    path: Path, encoding: str, opts: dict[str, Any], n_records: int, rows: list[int]
) -> dict[int, int]:
    """The line of the file on which each data row in ``rows`` starts.

    A quoted field may hold line breaks (ACLED's ``notes`` do), and then the
    k-th data row no longer sits on line ``k + 1``. Counting the file's
    newlines (about 0.1 s for 400 MB) says whether any record spans lines:
    if the file has no more of them than ``n_records`` records (header
    included) need, the plain numbering holds and this returns ``{}``.
    Otherwise Python's csv module, with the reader's delimiter and quote,
    walks the records and notes where each asked-for row starts. Only files
    with rejected rows pay for this.
    """
    if not rows:
        return {}
    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    newlines = 0
    last = b""
    with opener(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    if newlines + (last not in (b"\n", b"")) <= n_records:
        return {}
    wanted, out = set(rows), {}
    quote = opts.get("quote") or None
    py_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    with opener(path, "rt", encoding=py_encoding, newline="", errors="replace") as fh:
        reader = csv.reader(
            fh,
            delimiter=opts.get("delim", ","),
            quotechar=quote,
            quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE,
        )
        start, k = 1, 0  # record 0 is the header
        try:
            for record in reader:
                if record:  # DuckDB skips blank lines, so they are no rows
                    if k in wanted:
                        out[k] = start
                        if len(out) == len(wanted):
                            break
                    k += 1
                start = reader.line_num + 1
        except csv.Error:  # DuckDB read it; keep the lines found so far
            pass
    return out
