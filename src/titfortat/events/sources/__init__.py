"""One reader per source format; :func:`get_reader` picks one by name.

========  =============================================================
format    reader
========  =============================================================
acled     :class:`~titfortat.events.sources.acled.AcledReader`
ucdp      :class:`~titfortat.events.sources.ucdp.UcdpReader` (GED CSV)
gtd       :class:`~titfortat.events.sources.gtd.GtdReader` (CSV or XLSX)
gdelt     :class:`~titfortat.events.sources.gdelt.GdeltReader` (1.0, 2.0)
table     :class:`~titfortat.events.sources.table.TableReader` + YAML mapping
========  =============================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from titfortat.events.sources._base import Reader, unknown_format

__all__ = ["FORMATS", "Reader", "get_reader"]

FORMATS = ("acled", "ucdp", "gtd", "gdelt", "table")


def get_reader(
    format: str,
    *,
    mapping: str | Path | Mapping[str, Any] | None = None,
    source: str | None = None,
    encoding: str = "utf-8",
) -> Reader:
    """The reader for ``format``.

    Examples
    --------
    >>> get_reader("acled")
    AcledReader(source='acled')
    """
    if format not in FORMATS:
        raise unknown_format(format, FORMATS)
    if format == "table":
        from titfortat.events.sources.table import TableReader
        from titfortat.exceptions import DataError

        if mapping is None:
            raise DataError(
                "format='table' needs a mapping: a YAML file or the name "
                "of a bundled mapping (CLI: --mapping M.yaml)."
            )
        return TableReader(
            mapping, source=source, encoding=None if encoding == "utf-8" else encoding
        )
    if mapping is not None:
        from titfortat.exceptions import DataError

        raise DataError(f"--mapping is only for format 'table', not {format!r}.")
    from titfortat.events.sources.acled import AcledReader
    from titfortat.events.sources.gdelt import GdeltReader
    from titfortat.events.sources.gtd import GtdReader
    from titfortat.events.sources.ucdp import UcdpReader

    classes: dict[str, type[Reader]] = {
        "acled": AcledReader,
        "ucdp": UcdpReader,
        "gtd": GtdReader,
        "gdelt": GdeltReader,
    }
    cls = classes[format]
    reader: Reader = cls(source=source, encoding=encoding)
    return reader
