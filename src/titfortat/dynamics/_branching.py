"""The spectral radius of a branching matrix, shared by every Hawkes model."""

from __future__ import annotations

import numpy as np


def spectral_radius(adjacency: np.ndarray, link: str = "identity") -> float:
    """Largest absolute eigenvalue of the branching matrix.

    ``adjacency`` is ``(D, D)``, or ``(D, D, U)`` for a sum of kernels (the
    components are summed). Below one, the linear process is stationary.
    Under a nonlinear link (softplus, relu) only excitation can drive the
    process up, so the value for the positive parts ``max(A, 0)`` is
    returned: an upper bound of the excitation.

    Examples
    --------
    >>> spectral_radius(np.array([[0.5, 0.0], [0.3, 0.2]]))
    0.5
    >>> spectral_radius(np.array([[0.5, -0.9], [0.3, 0.2]]), "softplus")
    0.5
    """
    a = np.asarray(adjacency, dtype=float)
    if link != "identity":
        a = np.maximum(a, 0.0)
    if a.ndim == 3:
        a = a.sum(axis=2)
    return float(np.max(np.abs(np.linalg.eigvals(a))))
