"""The one compiled pass of the continuous Hawkes models under a nonlinear
link (softplus or relu): log-likelihood, analytic gradient and compensator,
any number U of decays, constant or piecewise-polynomial baseline.

Intensity ``lambda_i(t) = phi(c_i(t) + sum_j sum_u alpha[i, j, u] beta_u
S0[j, u](t))`` with the baseline ``c_i(t) = mu_i + gamma_i . x(t)`` and the
recursive states ``S0``, ``S1`` of ``_loglik_sumexp`` (events strictly
before t, so tied times do not excite each other). The covariates ``x(t)``
are a piecewise polynomial: on piece ``m``, ``[brk[m], brk[m+1])`` (the last
piece extends to infinity), ``x_k(t) = sum_r poly[m, r, k] (t -
brk[m])^r``, ``r < R <= 4`` (``_exog.piece_polynomials``: ``R = 1`` for
step covariates and baseline segments, 4 with a cubic B-spline). A
constant baseline is one piece with no covariate (``p = 0``).

Every gap between events is split at the piece breaks; on each stretch the
predictor is a polynomial of degree < R plus an exponential sum, whose
compensator the gap rules of ``_gaps_nonlinear`` give, one per link.

Parameter layout: ``[mu (D), alpha (D, D, U) row-major, gamma (D, p)
row-major, beta (U)]``; with ``p = 0`` it is SumExpHawkes' ``[mu, alpha,
beta]``, and at U = 1 ExpHawkes' ``[mu, A, gamma, beta]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from titfortat.dynamics.hawkes._exp_poly_roots import _relu_spans
from titfortat.dynamics.hawkes._gaps_nonlinear import (
    _covariates_at,
    _gap_tables,
    _interval_relu,
    _interval_softplus,
    _local_poly,
    _relu_integral,
    _relu_simple,
    _softplus_gap,
)
from titfortat.dynamics.hawkes._loglik import (
    _GL_W,
    _GL_X,
    RELU_FLOOR,
    _sigmoid,
    _softplus,
)

Arr = np.ndarray  # numba ignores annotations; these document the dtypes

# ``cum_at`` without residuals: an array, not None, so every call has the same
# argument types (the kernel compiles in ~15 s per set of types).
NO_CUM = np.empty(0)


@njit(cache=True, error_model="numpy")
def nonlinear_pass(
    x: Arr,
    times: Arr,
    marks: Arr,
    end_time: float,
    d: int,
    u: int,
    brk: Arr,
    poly: Arr,
    max_len: float,
    link: int,
    with_grad: bool,
    target: int,
    cum_at: Arr,
) -> tuple[float, Arr]:
    """Log-likelihood and analytic gradient, softplus (1) or relu (2) link.

    O(N D (D U + p R + Q)) plus the number of pieces, Q the cost of one
    gap rule. With ``target >= 0`` only that node's terms (its events and
    its compensator) are included: the log-likelihood is a sum of such
    terms, each depending on ``(mu_i, alpha[i], gamma_i, beta)`` only, so
    with fixed decays the fit separates by target node. Under relu an event
    whose predictor is at or below the floor contributes ``log(floor)`` and
    no gradient (the subgradient of the flat part). Returns ``-inf`` if a
    softplus intensity underflows to zero. A non-empty ``cum_at`` (N,)
    receives each event's node's cumulative compensator at the event time
    (for residuals; with ``target < 0``).
    """
    n = times.size
    p = poly.shape[2]
    n_mom = poly.shape[1]
    n_pieces = brk.size
    mu = x[:d]
    o_gam = d + d * d * u
    gamma = x[o_gam : o_gam + d * p]
    beta = x[o_gam + d * p :]
    order = np.argsort(beta)
    # Decay-major flat copies, alpha[c, i, j] at (c * D + i) * D + j and
    # S0[j, c] at c * D + j: the O(D^2) loops below then run over contiguous
    # memory with one offset each (as fast at U = 1 as a single-decay kernel);
    # the alpha gradient is scattered back to the layout at the end.
    alpha = np.empty(u * d * d)
    for i in range(d):
        for j in range(d):
            for c in range(u):
                alpha[(c * d + i) * d + j] = x[d + (i * d + j) * u + c]
    g_al = np.zeros(u * d * d)
    g_mu = np.zeros(d)
    g_gam = np.zeros(d * p)
    g_b = np.zeros(u)
    s0 = np.zeros(u * d)
    s1 = np.zeros(u * d)
    pend = np.zeros(d)
    a = np.zeros(u)
    da = np.zeros(u)
    jj = np.zeros(u)
    kk = np.zeros(u)
    ev = np.zeros(u)
    cp = np.zeros(4)
    pc1 = np.zeros(1)
    out = np.zeros(4)
    mom = np.zeros(4)
    xs = np.zeros((p, 4))
    xb = np.zeros(p)
    spans = np.zeros((u + 4, 2))
    scratch = np.zeros((6, u + 5))
    work = np.zeros((u + 1, u + 1))
    edt = np.zeros(u)
    evq = np.zeros((_GL_X.size, u))
    cum = np.zeros(d)
    want_cum = cum_at.size > 0
    ll = 0.0
    t_prev = 0.0
    m = 0
    log_floor = math.log(RELU_FLOOR)
    for k in range(n + 1):
        t = times[k] if k < n else end_time
        if t > t_prev or k == n:
            for j in range(d):
                for c in range(u):
                    s0[c * d + j] += pend[j]
                pend[j] = 0.0
            cur = t_prev
            # Compensator over [t_prev, t), one stretch per piece.
            while cur < t:
                while m + 1 < n_pieces and brk[m + 1] <= cur:
                    m += 1
                stop = t
                if m + 1 < n_pieces and brk[m + 1] < t:
                    stop = brk[m + 1]
                h = stop - cur
                if p > 0:
                    _local_poly(poly, brk, m, cur, xs)
                if u == 1 and n_mom == 1:
                    # One decay, piecewise-constant baseline (ExpHawkes
                    # without a spline): the scalar rules of _gaps_nonlinear
                    # and scalar excitations, kept for speed (the general
                    # loop below gives the same results 3.5-4.7x slower
                    # under relu, 1.25x under softplus; see there).
                    b = beta[0]
                    edt[0] = math.exp(-b * h)
                    for i in range(d):
                        if target >= 0 and i != target:
                            continue
                        oa = i * d
                        ac = 0.0
                        dac = 0.0
                        for j in range(d):
                            ac += alpha[oa + j] * b * s0[j]
                            dac += alpha[oa + j] * (s0[j] - b * s1[j])
                        c0 = mu[i]
                        for q in range(p):
                            c0 += gamma[i * p + q] * xs[q, 0]
                        if link == 2:
                            _interval_relu(c0, ac, dac, b, h, RELU_FLOOR, out)
                        else:
                            _interval_softplus(c0, ac, dac, b, h, _GL_X, _GL_W, out)
                        ll -= out[0]
                        cum[i] += out[0]
                        if with_grad:
                            g_mu[i] -= out[1]
                            for q in range(p):
                                g_gam[i * p + q] -= out[1] * xs[q, 0]
                            f = out[2] * b
                            for j in range(d):
                                g_al[oa + j] -= f * s0[j]
                            g_b[0] -= out[3]
                else:
                    short = _gap_tables(beta, h, link, edt, evq, max_len)
                    for i in range(d):
                        if target >= 0 and i != target:
                            continue
                        for c in range(u):
                            b = beta[c]
                            o = c * d
                            oa = (o + i) * d
                            ac = 0.0
                            dac = 0.0
                            for j in range(d):
                                ac += alpha[oa + j] * b * s0[o + j]
                                dac += alpha[oa + j] * (s0[o + j] - b * s1[o + j])
                            a[c] = ac
                            da[c] = dac
                        # The baseline on this stretch, c_i(cur + s) = sum cp[r] s^r.
                        cp[0] = mu[i]
                        deg = 0
                        if p > 0:
                            for r in range(1, n_mom):
                                cp[r] = 0.0
                            for q in range(p):
                                g = gamma[i * p + q]
                                for r in range(n_mom):
                                    cp[r] += g * xs[q, r]
                            for r in range(1, n_mom):
                                if cp[r] != 0.0:
                                    deg = r
                        if link == 2:
                            # _gaps_nonlinear._relu_gap in its three parts: the
                            # general search and the simple case in one
                            # function ran 1.9x slower at U = 2 (measured).
                            n_sp = _relu_simple(
                                cp, deg, a, beta, order, h, edt, spans, pc1
                            )
                            if n_sp < 0:
                                n_sp = _relu_spans(
                                    cp, deg, a, beta, order, h, RELU_FLOOR, spans,
                                    scratch, work,
                                )  # fmt: skip
                            lam_int = _relu_integral(
                                cp, deg, n_mom, a, beta, h, edt, spans, n_sp, mom,
                                jj, kk,
                            )  # fmt: skip
                        else:
                            lam_int = _softplus_gap(
                                cp, deg, n_mom, a, beta, h, max_len, edt, evq,
                                short, mom, jj, kk, ev,
                            )  # fmt: skip
                        ll -= lam_int
                        cum[i] += lam_int
                        if with_grad:
                            g_mu[i] -= mom[0]
                            for q in range(p):
                                v = 0.0
                                for r in range(n_mom):
                                    v += xs[q, r] * mom[r]
                                g_gam[i * p + q] -= v
                            for c in range(u):
                                f = jj[c] * beta[c]
                                o = c * d
                                oa = (o + i) * d
                                for j in range(d):
                                    g_al[oa + j] -= f * s0[o + j]
                                g_b[c] -= da[c] * jj[c] - a[c] * kk[c]
                for c in range(u):
                    e = edt[c]
                    for j in range(c * d, (c + 1) * d):
                        s1[j] = (s1[j] + h * s0[j]) * e
                        s0[j] *= e
                cur = stop
            t_prev = t
        if k == n:
            break
        i = marks[k]
        if want_cum:
            cum_at[k] = cum[i]
        if target >= 0 and i != target:
            pend[i] += 1.0
            continue
        xv = mu[i]
        if p > 0:
            while m + 1 < n_pieces and brk[m + 1] <= t:
                m += 1
            _covariates_at(poly, brk, m, t, xb)
            for q in range(p):
                xv += gamma[i * p + q] * xb[q]
        for c in range(u):
            b = beta[c]
            o = c * d
            oa = (o + i) * d
            for j in range(d):
                xv += alpha[oa + j] * b * s0[o + j]
        if link == 2:
            if not xv > RELU_FLOOR:
                ll += log_floor
                pend[i] += 1.0
                continue
            lam = xv
            r_ev = 1.0 / xv
        else:
            lam = _softplus(xv)
            if not lam > 0.0:
                return -np.inf, np.zeros(x.size)
            r_ev = _sigmoid(xv) / lam
        ll += math.log(lam)
        if with_grad:
            g_mu[i] += r_ev
            for q in range(p):
                g_gam[i * p + q] += r_ev * xb[q]
            for c in range(u):
                b = beta[c]
                f = r_ev * b
                o = c * d
                oa = (o + i) * d
                db = 0.0
                for j in range(d):
                    g_al[oa + j] += f * s0[o + j]
                    db += alpha[oa + j] * (s0[o + j] - b * s1[o + j])
                g_b[c] += r_ev * db
        pend[i] += 1.0
    grad = np.zeros(x.size)
    if with_grad:
        for i in range(d):
            grad[i] = g_mu[i]
            for j in range(d):
                for c in range(u):
                    grad[d + (i * d + j) * u + c] = g_al[(c * d + i) * d + j]
        for q in range(d * p):
            grad[o_gam + q] = g_gam[q]
        for c in range(u):
            grad[o_gam + d * p + c] = g_b[c]
    return ll, grad


@njit(cache=True)
def sumexp_nonlinear_loglik_grad(
    x: Arr,
    times: Arr,
    marks: Arr,
    end_time: float,
    d: int,
    u: int,
    link: int,
    with_grad: bool,
    target: int = -1,
    cum_at: Arr | None = None,
) -> tuple[float, Arr]:
    """:func:`nonlinear_pass` with a constant baseline, layout ``[mu, alpha,
    beta]`` (at U = 1 ExpHawkes' ``[mu, A, beta]``). The package passes all
    ten arguments (``NO_CUM`` when residuals are not wanted), so one
    compiled specialisation serves every caller."""
    # The pieces of a constant baseline: one piece, no covariate.
    brk = np.zeros(1)
    poly = np.zeros((1, 1, 0))
    if cum_at is None:  # (pruned at compile time)
        cum = np.empty(0)
    else:
        cum = cum_at
    return nonlinear_pass(
        x, times, marks, end_time, d, u, brk, poly, math.inf, link, with_grad,
        target, cum,
    )  # fmt: skip


def sumexp_compensator_at_events(
    x: Arr, times: Arr, marks: Arr, d: int, u: int, link: int
) -> Arr:
    """Cumulative compensator of each event's own node at the event time."""
    cum = np.zeros(times.size)
    end = float(times[-1]) if times.size else 0.0
    x = np.ascontiguousarray(x, dtype=float)
    sumexp_nonlinear_loglik_grad(x, times, marks, end, d, u, link, False, -1, cum)
    return cum
