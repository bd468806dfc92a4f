"""Zeros of ``f(s) = P(s) + sum_u a_u exp(-beta_u s)`` on an interval, ``P``
a polynomial of degree <= 3: the floor crossings of the relu link's
predictor between two events (``_gaps_nonlinear``).

The search is exact up to rounding and misses nothing but tangencies: the
generalised Descartes rule of signs bounds the zeros of an exponential sum by
the sign changes of its coefficients, and Rolle's theorem brackets the zeros
of a function between those of its derivative (see :func:`_exp_sum_roots`
and :func:`_relu_spans`). No library finds all zeros of such a sum on an
interval (scipy's brentq needs a bracket, which is what this supplies).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

Arr = np.ndarray  # numba ignores annotations; these document the dtypes

# Binomial coefficients C(q, r), q, r < 4; the falling factorials of the
# derivatives are r! / (r - k)! = C(r, k) k!.
COMB = np.array(
    [
        [1.0, 0.0, 0.0, 0.0],
        [1.0, 1.0, 0.0, 0.0],
        [1.0, 2.0, 1.0, 0.0],
        [1.0, 3.0, 3.0, 1.0],
    ]
)
_FACT = np.array([1.0, 1.0, 2.0, 6.0])


@njit(cache=True, error_model="numpy")
def _level_value(
    pc: Arr, n_pc: int, cf: Arr, ex: Arr, k: int, m: int, s: float
) -> tuple[float, float]:
    """Value and s-derivative of ``sum_{r < n_pc} pc[r] s^r + sum_{k <= c <
    m} cf[c] exp(-ex[c] s)``: every function whose zeros are sought here."""
    f = 0.0
    df = 0.0
    for r in range(n_pc - 1, -1, -1):
        f = f * s + pc[r]
    for r in range(n_pc - 1, 0, -1):
        df = df * s + r * pc[r]
    for c in range(k, m):
        e = cf[c] * math.exp(-ex[c] * s)
        f += e
        df -= ex[c] * e
    return f, df


@njit(cache=True, error_model="numpy")
def _solve_monotone(
    pc: Arr,
    n_pc: int,
    cf: Arr,
    ex: Arr,
    k: int,
    m: int,
    lo: float,
    hi: float,
    f_lo: float,
) -> float:
    """Root of a level function (``_level_value``) that is monotone on ``[lo,
    hi]`` and changes sign there: Newton steps kept inside the shrinking
    bracket, bisection whenever Newton would leave it (a safeguarded Newton
    method)."""
    s = 0.5 * (lo + hi)
    for _ in range(200):
        f, df = _level_value(pc, n_pc, cf, ex, k, m, s)
        if f == 0.0:
            return s
        if (f > 0.0) == (f_lo > 0.0):
            lo = s
        else:
            hi = s
        if hi - lo <= 4e-16 * max(1.0, abs(hi)):
            break
        step_ok = df != 0.0
        if step_ok:
            sn = s - f / df
            step_ok = lo < sn < hi
        s = sn if step_ok else 0.5 * (lo + hi)
    return s


@njit(cache=True, error_model="numpy")
def _bracketed_roots(
    pc: Arr,
    n_pc: int,
    cf: Arr,
    ex: Arr,
    k: int,
    m: int,
    pts: Arr,
    n_pts: int,
    out: Arr,
) -> int:
    """Zeros of a level function that is monotone between consecutive
    ``pts``: one exactly where the sign changes; a zero on an inner point is
    kept as a split point. Writes them sorted into ``out``."""
    n = 0
    p = pts[0]
    fp, _ = _level_value(pc, n_pc, cf, ex, k, m, p)
    for b in range(1, n_pts):
        q = pts[b]
        fq, _ = _level_value(pc, n_pc, cf, ex, k, m, q)
        if fp != 0.0 and fq != 0.0 and (fp > 0.0) != (fq > 0.0):
            out[n] = _solve_monotone(pc, n_pc, cf, ex, k, m, p, q, fp)
            n += 1
        elif fq == 0.0 and b < n_pts - 1:
            out[n] = q
            n += 1
        p = q
        fp = fq
    return n


@njit(cache=True, error_model="numpy")
def _exp_sum_roots(
    coef: Arr, lam: Arr, m: int, hi: float, work: Arr, roots: Arr, tmp: Arr, ex: Arr
) -> int:
    """Zeros in ``(0, hi)`` of ``F(s) = sum_{c < m} coef[c] exp(-lam[c] s)``,
    with ``0 = lam[0] < lam[1] < ... < lam[m-1]``; writes them sorted into
    ``roots`` and returns how many (``tmp`` and ``ex`` are scratch space).

    A sum of m exponentials has at most as many real zeros as sign changes in
    its coefficients ordered by exponent (the generalised Descartes rule of
    signs; Polya and Szego, Problems and Theorems in Analysis II, part V,
    problem 80), so with no sign change there is nothing to find and with one
    the end values decide (with two terms the zero is a logarithm).
    Otherwise Rolle's theorem is applied recursively: ``exp(lam_1 s) F'(s)``
    is again a sum whose first exponent is 0, with one term fewer, and
    between consecutive zeros of it F is monotone, so each such stretch holds
    at most one zero. Level k of ``work`` (row k) holds the coefficients of
    the k-th such derivative sum, exponents ``lam[c] - lam[k]``, c >= k.
    """
    changes = 0
    last = 0.0
    for c in range(m):
        if coef[c] != 0.0:
            if last != 0.0 and (coef[c] > 0.0) != (last > 0.0):
                changes += 1
            last = coef[c]
    if changes == 0:
        return 0
    if changes == 1:
        if m == 2:
            r = -coef[0] / coef[1]  # exp(-lam_1 s) at the zero
            if 0.0 < r < 1.0:
                s = -math.log(r) / lam[1]
                if s < hi:
                    roots[0] = s
                    return 1
            return 0
        for c in range(m):
            ex[c] = lam[c]
        f0, _ = _level_value(ex, 0, coef, ex, 0, m, 0.0)
        f1, _ = _level_value(ex, 0, coef, ex, 0, m, hi)
        if f0 != 0.0 and f1 != 0.0 and (f0 > 0.0) != (f1 > 0.0):
            roots[0] = _solve_monotone(ex, 0, coef, ex, 0, m, 0.0, hi, f0)
            return 1
        return 0
    for c in range(m):
        work[0, c] = coef[c]
    for k in range(m - 1):
        for c in range(k + 1, m):
            work[k + 1, c] = -(lam[c] - lam[k]) * work[k, c]
    n_r = 0  # roots of the level below (k + 1), sorted, in roots[:n_r]
    for k in range(m - 2, -1, -1):
        for c in range(k, m):
            ex[c] = lam[c] - lam[k]
        # The bracket points: 0, the roots of level k + 1, hi.
        tmp[0] = 0.0
        for r in range(n_r):
            tmp[r + 1] = roots[r]
        tmp[n_r + 1] = hi
        n_r = _bracketed_roots(ex, 0, work[k], ex, k, m, tmp, n_r + 2, roots)
    return n_r


@njit(cache=True, error_model="numpy")
def _relu_spans(
    cp: Arr,
    deg: int,
    a: Arr,
    beta: Arr,
    order: Arr,
    h: float,
    floor: float,
    spans: Arr,
    scratch: Arr,
    work: Arr,
) -> int:
    """Stretches of ``[0, h]`` where ``f(s) = sum_{r <= deg} cp[r] s^r +
    sum_u a_u exp(-beta_u s)`` exceeds ``floor``; writes ``spans[s] = (s0,
    s1)`` and returns their number (``order`` sorts ``beta``).

    ``f^(deg) - floor [deg = 0]`` is a constant plus an exponential sum, whose
    zeros ``_exp_sum_roots`` finds. Each lower derivative, and last ``f -
    floor``, is monotone between consecutive zeros of the next one, so each
    of its zeros is bracketed by a sign change there (Rolle's theorem) and
    none is missed except a tangency, where ``max(floor, f)`` is unaffected:
    the compensator is exact and continuous in the parameters.
    ``scratch`` is (6, U + 5), ``work`` (U + 1, U + 1).
    """
    u = a.size
    roots = scratch[0]
    tmp = scratch[1]
    pc = scratch[2]
    cf = scratch[3]
    lam = scratch[4]
    ex = scratch[5]
    # Level deg: coefficients by increasing exponent (0, then sorted beta).
    cf[0] = _FACT[deg] * cp[deg] - (floor if deg == 0 else 0.0)
    lam[0] = 0.0
    for c in range(u):
        o = order[c]
        cf[c + 1] = a[o] * (-beta[o]) ** deg
        lam[c + 1] = beta[o]
    n_r = _exp_sum_roots(cf, lam, u + 1, h, work, roots, tmp, ex)
    for k in range(deg - 1, -1, -1):
        # f^(k) - floor [k = 0]: polynomial part pc, exponential part cf.
        n_pc = deg - k + 1
        for r in range(n_pc):
            pc[r] = cp[r + k] * COMB[r + k, k] * _FACT[k]
        if k == 0:
            pc[0] -= floor
        for c in range(u):
            cf[c] = a[c] * (-beta[c]) ** k
        tmp[0] = 0.0
        for r in range(n_r):
            tmp[r + 1] = roots[r]
        tmp[n_r + 1] = h
        n_r = _bracketed_roots(pc, n_pc, cf, beta, 0, u, tmp, n_r + 2, roots)
    # Active stretches between consecutive crossings, judged at midpoints.
    n_sp = 0
    p = 0.0
    for b in range(n_r + 1):
        q = roots[b] if b < n_r else h
        if q > p:
            mid = 0.5 * (p + q)
            x = 0.0
            for r in range(deg, -1, -1):
                x = x * mid + cp[r]
            for c in range(u):
                x += a[c] * math.exp(-beta[c] * mid)
            if x > floor:
                if n_sp > 0 and spans[n_sp - 1, 1] == p:
                    spans[n_sp - 1, 1] = q
                else:
                    spans[n_sp, 0] = p
                    spans[n_sp, 1] = q
                    n_sp += 1
        p = q
    return n_sp
