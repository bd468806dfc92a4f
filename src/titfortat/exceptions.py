"""Every error and warning titfortat raises.

Hierarchy (exit code of the ``titfortat`` command in brackets)::

    TitForTatError                        [1]
    ├── UsageError(ValueError)            [2] an option or argument is wrong
    ├── DataError(ValueError)             [1] bad input data
    │   └── SchemaError                   carries ``reason`` and ``failure_cases``
    ├── NotFittedError(ValueError, AttributeError)  [3] a caller's bug
    ├── ConvergenceError                  only with ``strict=True``
    ├── StoreError                        the event store cannot do what was asked
    │   └── SchemaVersionError            store written by an incompatible version
    └── OptionalDependencyError(ImportError)

    TitForTatWarning(UserWarning)
    ├── ConvergenceWarning
    ├── HessianWarning
    ├── StabilityWarning
    └── DataQualityWarning

Every error class carries ``exit_code`` (usage 2, data 1, internal 3): the
command line exits with it, so scripts can tell a mistyped option from bad
data. Code should branch on exception classes and on ``SchemaError.reason`` (an
:class:`enum.Enum`), never on message text.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "DataError",
    "DataQualityWarning",
    "HessianWarning",
    "NotFittedError",
    "OptionalDependencyError",
    "Reason",
    "SchemaError",
    "SchemaVersionError",
    "StabilityWarning",
    "StoreError",
    "TitForTatError",
    "TitForTatWarning",
    "UsageError",
]


class TitForTatError(Exception):
    """Base class of every error raised by titfortat."""

    #: Exit status of the ``titfortat`` command for this error: 1 data or
    #: store, 2 usage, 3 internal.
    exit_code: ClassVar[int] = 1


class UsageError(TitForTatError, ValueError):
    """An option or argument cannot be used as given (exit code 2)."""

    exit_code: ClassVar[int] = 2


class Reason(enum.StrEnum):
    """Machine-readable reason codes for data problems.

    The same codes label rows in the event store's quarantine table, so a
    rejected row and a raised error speak one vocabulary.
    """

    MISSING_COLUMN = "missing_column"
    MISSING_VALUE = "missing_value"
    EMPTY_FILE = "empty_file"
    UNREADABLE_FILE = "unreadable_file"
    ENCODING = "encoding"
    INVALID_DATE = "invalid_date"
    INVALID_NUMBER = "invalid_number"
    OUT_OF_RANGE = "out_of_range"
    NEGATIVE_COUNT = "negative_count"
    DUPLICATE_ID_IN_FILE = "duplicate_id_in_file"
    MALFORMED_ROW = "malformed_row"
    UNKNOWN_VALUE = "unknown_value"
    NULL_TIME = "null_time"
    UNSORTED = "unsorted"
    UNKNOWN_ACTOR = "unknown_actor"
    DUPLICATE_EVENT = "duplicate_event"
    BAD_MAPPING = "bad_mapping"
    DUPLICATE_ALIAS = "duplicate_alias"
    MEMBERSHIP_CYCLE = "membership_cycle"
    END_BEFORE_START = "end_before_start"


class DataError(TitForTatError, ValueError):
    """Input data cannot be used as given."""


class SchemaError(DataError):
    """Data violate a declared schema.

    Parameters
    ----------
    message : str
        What is wrong, what was expected, what was received and how to fix it.
    reason : Reason
        The machine-readable cause; branch on this, not on ``message``.
    failure_cases : pandas.DataFrame, optional
        The offending rows or values.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: Reason,
        failure_cases: pd.DataFrame | None = None,
        **context: Any,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.failure_cases = failure_cases
        self.context = context


class NotFittedError(TitForTatError, ValueError, AttributeError):
    """An estimator was used before ``fit``."""

    exit_code: ClassVar[int] = 3


class ConvergenceError(TitForTatError):
    """An optimiser did not converge and ``strict=True`` was passed."""


class StoreError(TitForTatError):
    """The event store cannot perform the requested operation."""


class SchemaVersionError(StoreError):
    """The store file was written with an incompatible schema version."""


class OptionalDependencyError(TitForTatError, ImportError):
    """An optional dependency needed for this feature is not installed."""


class TitForTatWarning(UserWarning):
    """Base class of every warning issued by titfortat."""


class ConvergenceWarning(TitForTatWarning):
    """An optimiser stopped before meeting its tolerance."""


class HessianWarning(TitForTatWarning):
    """The Hessian could not be inverted; standard errors are NaN."""


class StabilityWarning(TitForTatWarning):
    """A fitted process is near or beyond the stationarity boundary."""


class DataQualityWarning(TitForTatWarning):
    """Data were usable but something about them deserves attention."""
