"""The one lazy matplotlib import of the report layer."""

from __future__ import annotations

from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an error that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - plot extra missing
        from titfortat.exceptions import OptionalDependencyError

        raise OptionalDependencyError(
            "Plotting needs matplotlib: pip install 'titfortat[plot]'."
        ) from err
    return plt
