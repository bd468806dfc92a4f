"""One BLAS thread inside fits: small dense algebra is slower with more threads.

The Hessians, Cholesky factors and eigenvalue problems of titfortat's fits are
small (tens to a few hundred rows). A multi-threaded BLAS (OpenBLAS as shipped
with numpy and scipy) wakes and synchronises its threads for each of these
calls; on a 2-core machine with any other load that made the same learned-decay
Hawkes fit 15-20x slower than with one thread (3.0-4.0 s against 0.19 s, D=10,
about 100,000 events; issue 14). Users do not set ``OPENBLAS_NUM_THREADS=1``,
so the library limits BLAS to one thread for the duration of a fit, as
scikit-learn does with threadpoolctl (its ``_fit_context`` and
``_get_threadpool_controller``), and restores the caller's setting afterwards.

The controller is built once, lazily (about 1 ms), so that each limit costs
about 0.05 ms.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["single_blas_thread"]

F = TypeVar("F", bound=Callable[..., Any])

_controller: ThreadpoolController | None = None


def _get_controller() -> ThreadpoolController:
    global _controller
    if _controller is None:
        # Import the BLAS users first, so that the controller sees both numpy's
        # and scipy's OpenBLAS (they ship separate copies).
        import scipy.linalg  # noqa: F401

        _controller = ThreadpoolController()
    return _controller


def single_blas_thread(func: F) -> F:
    """Run ``func`` with BLAS limited to one thread, then restore the setting.

    Nested calls are cheap: the inner limit is already in force.

    Examples
    --------
    >>> import numpy as np
    >>> @single_blas_thread
    ... def small_solve(a, b):
    ...     return np.linalg.solve(a, b)
    >>> small_solve(np.eye(2), np.ones(2))
    array([1., 1.])
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _get_controller().limit(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
