"""Compiled kernels for a nonlinear link with a time-varying baseline.

``lambda_i(t) = phi(c_i(t) + sum_j alpha_ij R_j(t))`` with
``c_i(t) = mu_i + gamma_i . x(t)`` and ``phi`` softplus or relu. The
covariates ``x(t)`` are given as a piecewise polynomial: on piece ``m``,
``[brk[m], brk[m+1])`` (the last piece extends to infinity),
``x_k(t) = sum_r poly[m, r, k] (t - brk[m])^r`` with ``r < R``. ``R = 1``
holds step covariates (truce windows, baseline segments); ``R = 4`` holds a
cubic B-spline baseline, possibly stacked with step covariates.

Every inter-event interval is split at the piece boundaries, so on each
sub-interval the predictor is ``c_i(u) + a_i exp(-beta u)``:

* ``R = 1``: ``c_i`` is constant, and the existing per-interval rules apply
  unchanged: Gauss-Legendre in ``w = exp(-beta u)`` for softplus
  (``_interval_softplus``) and the exact crossing of the monotone predictor
  for relu (``_interval_relu``).
* ``R = 4``: ``c_i`` is cubic. Softplus is integrated by 8-point
  Gauss-Legendre on panels in ``u`` (``_interval_cubic_softplus``), with
  panel lengths chosen so each panel sees a smooth integrand. Relu is exact
  (``_interval_cubic_relu``): the predictor is no longer monotone, but its
  floor crossings are all bracketed through its derivatives (at most one
  root of the third, found in closed form), and above the floor every term
  integrates in closed form.

One evaluation is O(N D (D + p)) plus the number of pieces. Layout of the
gradient: ``[mu (D), A row-major (D*D), gamma (D*p), beta]``; states as in
``_loglik``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from titfortat.dynamics.hawkes._loglik import (
    _GL_W,
    _GL_X,
    RELU_FLOOR,
    _interval_relu,
    _interval_softplus,
    _sigmoid,
    _softplus,
)

Arr = np.ndarray

# Binomial coefficients C(q, r), q, r < 4, for re-expanding a cubic.
_COMB = np.array(
    [
        [1.0, 0.0, 0.0, 0.0],
        [1.0, 1.0, 0.0, 0.0],
        [1.0, 2.0, 1.0, 0.0],
        [1.0, 3.0, 3.0, 1.0],
    ]
)


@njit(cache=True)
def _covariates_at(poly: Arr, brk: Arr, m: int, t: float, out: Arr) -> None:
    """``x(t)`` on piece ``m`` by Horner's rule, written into ``out``."""
    v = t - brk[m]
    n_r = poly.shape[1]
    for k in range(poly.shape[2]):
        acc = poly[m, n_r - 1, k]
        for r in range(n_r - 2, -1, -1):
            acc = acc * v + poly[m, r, k]
        out[k] = acc


@njit(cache=True)
def _interval_cubic_softplus(
    mu: Arr,
    gamma: Arr,
    poly: Arr,
    brk: Arr,
    m: int,
    t0: float,
    h: float,
    a: Arr,
    da: Arr,
    beta: float,
    max_len: float,
    xb: Arr,
    res: Arr,
) -> None:
    """Compensator of softplus(c_i(u) + a_i exp(-beta u)) over u in [0, h].

    ``c_i`` is the cubic baseline of piece ``m`` starting at ``t0``. Writes,
    per node i, ``res[i] = [Lambda, int s', int s' e, dLambda/dbeta,
    int s' x_1, ..., int s' x_p]`` with ``s' = sigmoid(predictor)`` and
    ``e = exp(-beta u)`` (``da = da/dbeta``).

    The panels are shared by all nodes. A panel is at most ``max_len`` long
    (a fraction of the spline's knot spacing, so the cubic changes little)
    and, while the excitation term is not negligible, short enough that
    8-point Gauss-Legendre integrates it to rounding: its error on
    ``int_0^X exp(-x) dx`` is 1e-16 for X <= 3, 2e-11 for X = 6 and 2e-7 for
    X = 12 (measured), so beta L <= 3 while the term exceeds 1e-5, 6 above
    1e-8 and 12 above 1e-12 keep every panel's error below 1e-16 of the
    predictor scale. When the term exceeds 1 a panel also changes it by at
    most 1, softplus' smooth regime (as in ``_interval_softplus``), or by a
    64th of the term when that is larger (softplus is then linear or
    exponentially small across the panel).
    """
    d = mu.size
    p = gamma.shape[1]
    gx = _GL_X
    gw = _GL_W
    res[:, :] = 0.0
    amax = 0.0
    for i in range(d):
        amax = max(amax, abs(a[i]))
    u = 0.0
    while u < h:
        length = min(h - u, max_len)
        mag = amax * math.exp(-beta * u)
        if mag >= 1e-12:
            lim = 3.0 if mag >= 1e-5 else (6.0 if mag >= 1e-8 else 12.0)
            length = min(length, lim / beta)
            # Each panel changes the excitation term by at most `step`: 1
            # (softplus' smooth regime) up to 64, then a 64th of the term, so
            # a huge excursion costs O(64 log(mag)) panels, not O(mag).
            step = max(1.0, mag / 64.0)
            if mag > step:
                length = min(length, -math.log1p(-step / mag) / beta)
        last = length >= h - u
        if last:
            length = h - u
        for q in range(gx.size):
            uu = u + 0.5 * length * (gx[q] + 1.0)
            wt = 0.5 * length * gw[q]
            _covariates_at(poly, brk, m, t0 + uu, xb)
            e = math.exp(-beta * uu)
            for i in range(d):
                c = mu[i]
                for k in range(p):
                    c += gamma[i, k] * xb[k]
                eta = c + a[i] * e
                sg = wt * _sigmoid(eta)
                res[i, 0] += wt * _softplus(eta)
                res[i, 1] += sg
                res[i, 2] += sg * e
                res[i, 3] += sg * e * (da[i] - a[i] * uu)
                for k in range(p):
                    res[i, 4 + k] += sg * xb[k]
        if last:
            break
        u += length


@njit(cache=True)
def _cubic_exp(c: Arr, a: float, beta: float, u: float, order: int) -> float:
    """Derivative ``order`` of ``f(u) = sum_r c_r u^r + a e^(-beta u)``."""
    e = a * math.exp(-beta * u)
    if order == 0:
        return float(c[0] + u * (c[1] + u * (c[2] + u * c[3])) + e)
    if order == 1:
        return float(c[1] + u * (2.0 * c[2] + 3.0 * c[3] * u) - beta * e)
    if order == 2:
        return float(2.0 * c[2] + 6.0 * c[3] * u + beta * beta * e)
    return float(6.0 * c[3] - beta * beta * beta * e)


@njit(cache=True)
def _sign_changes(
    c: Arr, a: float, beta: float, order: int, pts: Arr, n_pts: int, out: Arr
) -> int:
    """Roots of derivative ``order`` of f between consecutive ``pts``, on each
    of which it is monotone, so a root exists exactly where the sign changes
    (found by bisection to the last bit)."""
    n = 0
    for k in range(n_pts - 1):
        lo = pts[k]
        hi = pts[k + 1]
        f_lo = _cubic_exp(c, a, beta, lo, order)
        f_hi = _cubic_exp(c, a, beta, hi, order)
        if f_hi == 0.0 and k < n_pts - 2:
            # A root exactly on an inner point: keep it as a split point.
            out[n] = hi
            n += 1
            continue
        if not f_lo * f_hi < 0.0:
            continue
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid <= lo or mid >= hi:
                break
            f_mid = _cubic_exp(c, a, beta, mid, order)
            if (f_mid < 0.0) == (f_lo < 0.0):
                lo = mid
                f_lo = f_mid
            else:
                hi = mid
        out[n] = 0.5 * (lo + hi)
        n += 1
    return n


@njit(cache=True)
def _active_cubic_relu(
    c: Arr, a: float, beta: float, h: float, floor: float, spans: Arr
) -> int:
    """Stretches of ``[0, h]`` where ``f(u) = cubic + a e^(-beta u)`` exceeds
    ``floor``; writes ``spans[s] = (u0, u1)`` and returns their number.

    The fourth derivative of f is ``a beta^4 e^(-beta u)``, which never
    vanishes, so the third has at most one root (closed form). Each lower
    derivative, and then ``f - floor``, is monotone between the roots of the
    next one, so each of its roots is bracketed by a sign change (Rolle's
    theorem) and none is missed except a tangency, where ``max(floor, f)``
    is unaffected: the compensator is exact and continuous in the parameters.
    """
    pts = np.empty(6)
    roots = np.empty(6)
    pts[0] = 0.0
    n_pts = 1
    if a != 0.0 and c[3] != 0.0:
        r = 6.0 * c[3] / (a * beta * beta * beta)  # exp(-beta u) where f''' = 0
        if 0.0 < r < 1.0:
            u = -math.log(r) / beta
            if u < h:
                pts[n_pts] = u
                n_pts += 1
    pts[n_pts] = h
    n_pts += 1
    for order in (2, 1):
        n_r = _sign_changes(c, a, beta, order, pts, n_pts, roots)
        pts[0] = 0.0
        for k in range(n_r):
            pts[1 + k] = roots[k]
        pts[1 + n_r] = h
        n_pts = n_r + 2
    c0 = c[0]
    c[0] = c0 - floor
    n_r = _sign_changes(c, a, beta, 0, pts, n_pts, roots)
    c[0] = c0
    # Active pieces between consecutive crossings, judged at their midpoints.
    n_sp = 0
    lo = 0.0
    for k in range(n_r + 1):
        hi = roots[k] if k < n_r else h
        if hi > lo and _cubic_exp(c, a, beta, 0.5 * (lo + hi), 0) > floor:
            if n_sp > 0 and spans[n_sp - 1, 1] == lo:
                spans[n_sp - 1, 1] = hi
            else:
                spans[n_sp, 0] = lo
                spans[n_sp, 1] = hi
                n_sp += 1
        lo = hi
    return n_sp


@njit(cache=True)
def _interval_cubic_relu(
    mu: Arr,
    gamma: Arr,
    poly: Arr,
    brk: Arr,
    m: int,
    t0: float,
    h: float,
    a: Arr,
    da: Arr,
    beta: float,
    xs: Arr,
    res: Arr,
) -> None:
    """Exact compensator of max(floor, c_i(u) + a_i e^(-beta u)), u in [0, h].

    Same output layout as ``_interval_cubic_softplus``. Above the floor every
    term integrates in closed form; the derivatives are the integrals of the
    predictor's derivatives over the active stretches (the integrand is
    continuous at a crossing, so moving ends contribute nothing).
    """
    d = mu.size
    p = gamma.shape[1]
    n_r = poly.shape[1]
    # Covariates re-expanded around t0: x_k(t0 + u) = sum_r xs[k, r] u^r,
    # so the integrals below use small powers of u (no cancellation).
    off = t0 - brk[m]
    for k in range(p):
        for r in range(4):
            acc = 0.0
            pw = 1.0
            for q in range(r, n_r):
                acc += _COMB[q, r] * poly[m, q, k] * pw
                pw *= off
            xs[k, r] = acc
    c = np.zeros(4)
    spans = np.empty((4, 2))
    ib = 1.0 / beta
    for i in range(d):
        for r in range(4):
            c[r] = mu[i] if r == 0 else 0.0
            for k in range(p):
                c[r] += gamma[i, k] * xs[k, r]
        n_sp = _active_cubic_relu(c, a[i], beta, h, RELU_FLOOR, spans)
        active = 0.0
        lam = 0.0
        j_e = 0.0
        j_ue = 0.0
        for k in range(p):
            res[i, 4 + k] = 0.0
        for s in range(n_sp):
            u0 = spans[s, 0]
            u1 = spans[s, 1]
            active += u1 - u0
            e0 = math.exp(-beta * u0)
            e1 = math.exp(-beta * u1)
            j_e += (e0 - e1) * ib
            j_ue += (u0 * ib + ib * ib) * e0 - (u1 * ib + ib * ib) * e1
            for r in range(4):
                q = (u1 ** (r + 1) - u0 ** (r + 1)) / (r + 1)
                lam += c[r] * q
                for k in range(p):
                    res[i, 4 + k] += xs[k, r] * q
        res[i, 0] = lam + a[i] * j_e + RELU_FLOOR * (h - active)
        res[i, 1] = active
        res[i, 2] = j_e
        res[i, 3] = da[i] * j_e - a[i] * j_ue


@njit(cache=True)
def nonlinear_exog_pass(
    times: Arr,
    marks: Arr,
    end_time: float,
    mu: Arr,
    adj: Arr,
    gamma: Arr,
    beta: float,
    brk: Arr,
    poly: Arr,
    max_len: float,
    link: int,
    with_grad: bool,
    want_cum: bool,
) -> tuple[float, Arr, Arr]:
    """Log-likelihood, gradient and (optionally) compensators in one pass.

    ``link`` is 1 (softplus) or 2 (relu). Returns
    ``(ll, grad, cum)`` where ``cum[n]`` is the compensator of event n's node
    at ``t_n`` when ``want_cum`` (zeros otherwise). A relu event at or below
    the floor contributes ``log(floor)`` and no gradient, as in
    ``sumexp_nonlinear_loglik_grad``.
    """
    d = mu.size
    p = gamma.shape[1]
    n = times.size
    n_pieces = brk.size
    cubic = poly.shape[1] > 1
    s0 = np.zeros(d)
    s1 = np.zeros(d)
    pend = np.zeros(d)
    a = np.zeros(d)
    da = np.zeros(d)
    xb = np.zeros(p)
    xs = np.zeros((p, 4))
    out = np.zeros(4)
    res = np.zeros((d, 4 + p))
    cum_node = np.zeros(d)
    cum = np.zeros(n if want_cum else 0)
    grad = np.zeros(d + d * d + d * p + 1)
    g_gam = d + d * d
    g_beta = g_gam + d * p
    log_floor = math.log(RELU_FLOOR)
    ll = 0.0
    t_prev = 0.0
    m = 0
    for k in range(n + 1):
        t = times[k] if k < n else end_time
        if t > t_prev:
            for j in range(d):
                s0[j] += pend[j]
                pend[j] = 0.0
            cur = t_prev
            # Compensator over [t_prev, t), one sub-interval per piece.
            while cur < t:
                while m + 1 < n_pieces and brk[m + 1] <= cur:
                    m += 1
                stop = t
                if m + 1 < n_pieces and brk[m + 1] < t:
                    stop = brk[m + 1]
                h = stop - cur
                for i in range(d):
                    a[i] = 0.0
                    da[i] = 0.0
                    for j in range(d):
                        a[i] += adj[i, j] * beta * s0[j]
                        da[i] += adj[i, j] * (s0[j] - beta * s1[j])
                if cubic and link == 2:
                    _interval_cubic_relu(
                        mu, gamma, poly, brk, m, cur, h, a, da, beta, xs, res
                    )
                elif cubic:
                    _interval_cubic_softplus(
                        mu, gamma, poly, brk, m, cur, h, a, da, beta, max_len, xb, res
                    )
                else:
                    for kk in range(p):
                        xb[kk] = poly[m, 0, kk]
                    for i in range(d):
                        c = mu[i]
                        for kk in range(p):
                            c += gamma[i, kk] * xb[kk]
                        if link == 1:
                            _interval_softplus(
                                c, a[i], da[i], beta, h, _GL_X, _GL_W, out
                            )
                        else:
                            _interval_relu(c, a[i], da[i], beta, h, RELU_FLOOR, out)
                        # Same layout as the cubic rule: [Lambda, dLambda/dc,
                        # dLambda/da, dLambda/dbeta, dLambda/dgamma_k].
                        res[i, 0] = out[0]
                        res[i, 1] = out[1]
                        res[i, 2] = out[2]
                        res[i, 3] = out[3]
                        for kk in range(p):
                            res[i, 4 + kk] = out[1] * xb[kk]
                for i in range(d):
                    ll -= res[i, 0]
                    cum_node[i] += res[i, 0]
                    if with_grad:
                        grad[i] -= res[i, 1]
                        for j in range(d):
                            grad[d + i * d + j] -= res[i, 2] * beta * s0[j]
                        for kk in range(p):
                            grad[g_gam + i * p + kk] -= res[i, 4 + kk]
                        grad[g_beta] -= res[i, 3]
                e = math.exp(-beta * h)
                for j in range(d):
                    s1[j] = (s1[j] + h * s0[j]) * e
                    s0[j] *= e
                cur = stop
            t_prev = t
        if k == n:
            break
        i = marks[k]
        while m + 1 < n_pieces and brk[m + 1] <= t:
            m += 1
        _covariates_at(poly, brk, m, t, xb)
        eta = mu[i]
        for kk in range(p):
            eta += gamma[i, kk] * xb[kk]
        for j in range(d):
            eta += adj[i, j] * beta * s0[j]
        if want_cum:
            cum[k] = cum_node[i]
        r = 0.0
        if link == 1:
            lam = _softplus(eta)
            if not lam > 0.0:
                return -np.inf, np.zeros(grad.size), cum
            ll += math.log(lam)
            r = _sigmoid(eta) / lam
        elif eta > RELU_FLOOR:
            ll += math.log(eta)
            r = 1.0 / eta
        else:
            ll += log_floor
        if with_grad and r != 0.0:
            grad[i] += r
            db = 0.0
            for j in range(d):
                grad[d + i * d + j] += r * beta * s0[j]
                db += adj[i, j] * (s0[j] - beta * s1[j])
            for kk in range(p):
                grad[g_gam + i * p + kk] += r * xb[kk]
            grad[g_beta] += r * db
        pend[i] += 1.0
    return ll, grad, cum
