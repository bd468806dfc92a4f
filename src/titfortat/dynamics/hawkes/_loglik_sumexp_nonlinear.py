"""Compiled kernels of the sum-of-exponentials Hawkes process under a
nonlinear link (softplus or relu): log-likelihood, analytic gradient,
compensator and Ogata thinning.

Intensity ``lambda_i(t) = phi(x_i(t))`` with the linear predictor
``x_i(t) = mu_i + sum_j sum_u alpha[i, j, u] beta_u S0[j, u](t)``, where
``S0`` and ``S1`` are the recursive states of ``_loglik_sumexp`` (events
strictly before t, so tied times do not excite each other).

Between two events node i's predictor is an exponential sum,
``x(s) = mu_i + sum_u a_u exp(-beta_u s)``, ``a_u = sum_j alpha[i, j, u]
beta_u S0[j, u]``. With a single decay it is monotone and the closed-form
gap rules of ``_loglik`` apply (the relu crossing is a logarithm); with
several it need not be, so:

* relu: the zero crossings of ``x(s) - floor`` are found exactly (see
  ``_exp_sum_roots``) and the positive parts are integrated in closed form;
* softplus: composite 8-point Gauss-Legendre on geometrically growing panels,
  after the predictor has relaxed to ``mu_i`` to 1e-15 the rest of the gap is
  closed-form (see ``_interval_sumexp``).

Both give, for the gap ``[0, dt]``, the compensator ``Lambda``, ``dLambda /
dmu``, ``J_u = int phi'(x) exp(-beta_u s) ds`` and ``K_u = int phi'(x) s
exp(-beta_u s) ds``, from which every gradient entry follows:
``dLambda/dalpha[i, j, u] = beta_u S0[j, u] J_u`` and ``dLambda/dbeta_u =
da_u J_u - a_u K_u`` with ``da_u = sum_j alpha[i, j, u] (S0 - beta_u S1)``.
The moving boundaries of the relu pieces contribute nothing, because the
integrand is continuous there (it equals the floor on both sides).

Parameter layout: ``[mu (D), alpha (D, D, U) row-major, beta (U)]``.
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

Arr = np.ndarray  # numba ignores annotations; these document the dtypes

# The predictor counts as relaxed to mu once sum_u |a_u| exp(-beta_u s) is
# below this (absolute, in units of the predictor): well under the 1e-8
# relative accuracy the tests ask of the compensator.
_RELAX_TOL = 1e-15


@njit(cache=True)
def _level_value(cf: Arr, ex: Arr, k: int, m: int, s: float) -> tuple[float, float]:
    """Value and s-derivative of ``sum_{c >= k} cf[c] exp(-ex[c] s)``."""
    f = 0.0
    df = 0.0
    for c in range(k, m):
        e = cf[c] * math.exp(-ex[c] * s)
        f += e
        df -= ex[c] * e
    return f, df


@njit(cache=True)
def _solve_monotone(
    cf: Arr, ex: Arr, k: int, m: int, lo: float, hi: float, f_lo: float
) -> float:
    """Root of a level function that is monotone on ``[lo, hi]`` and changes
    sign there: Newton steps kept inside the shrinking bracket, bisection
    whenever Newton would leave it (a safeguarded Newton method)."""
    s = 0.5 * (lo + hi)
    for _ in range(200):
        f, df = _level_value(cf, ex, k, m, s)
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


@njit(cache=True)
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
    the end values decide. Otherwise Rolle's theorem is applied recursively:
    ``exp(lam_1 s) F'(s)`` is again a sum whose first exponent is 0, with one
    term fewer, and between consecutive zeros of it F is monotone, so each
    such stretch holds at most one zero, found by ``_solve_monotone``. Level k
    of ``work`` (row k) holds the coefficients of the k-th such derivative
    sum, exponents ``lam[c] - lam[k]``, c >= k.
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
        for c in range(m):
            ex[c] = lam[c]
        f0, _ = _level_value(coef, ex, 0, m, 0.0)
        f1, _ = _level_value(coef, ex, 0, m, hi)
        if f0 != 0.0 and f1 != 0.0 and (f0 > 0.0) != (f1 > 0.0):
            roots[0] = _solve_monotone(coef, ex, 0, m, 0.0, hi, f0)
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
        cf = work[k]
        n_new = 0
        p = 0.0
        fp, _ = _level_value(cf, ex, k, m, p)
        for b in range(n_r + 1):
            q = roots[b] if b < n_r else hi
            fq, _ = _level_value(cf, ex, k, m, q)
            if fp != 0.0 and fq != 0.0 and (fp > 0.0) != (fq > 0.0):
                tmp[n_new] = _solve_monotone(cf, ex, k, m, p, q, fp)
                n_new += 1
            elif fq == 0.0 and b < n_r:
                tmp[n_new] = q
                n_new += 1
            p = q
            fp = fq
        for r in range(n_new):
            roots[r] = tmp[r]
        n_r = n_new
    return n_r


@njit(cache=True)
def _relu_pieces(
    mu_i: float,
    a: Arr,
    beta: Arr,
    order: Arr,
    dt: float,
    work: Arr,
    roots: Arr,
    tmp: Arr,
    coef: Arr,
    lam: Arr,
    ex: Arr,
) -> int:
    """Break points of ``x(s) - floor`` on ``(0, dt)`` (into ``roots``)."""
    u = a.size
    coef[0] = mu_i - RELU_FLOOR
    lam[0] = 0.0
    for c in range(u):
        coef[c + 1] = a[order[c]]
        lam[c + 1] = beta[order[c]]
    return _exp_sum_roots(coef, lam, u + 1, dt, work, roots, tmp, ex)


@njit(cache=True)
def _gap_tables(beta: Arr, dt: float, link: int, edt: Arr, evq: Arr) -> bool:
    """Node-independent exponentials of one gap, shared by every target node:
    ``edt[u] = exp(-beta_u dt)`` and, for softplus on a short gap (``dt
    beta_max <= 2``, integrated as one Gauss-Legendre panel), ``evq[q, u] =
    exp(-beta_u s_q)`` at the nodes. Returns whether the gap is short."""
    b_max = 0.0
    for c in range(beta.size):
        edt[c] = math.exp(-beta[c] * dt)
        b_max = max(b_max, beta[c])
    short = link == 1 and dt * b_max <= 2.0
    if short:
        for q in range(_GL_X.size):
            s = 0.5 * dt * (_GL_X[q] + 1.0)
            for c in range(beta.size):
                evq[q, c] = math.exp(-beta[c] * s)
    return short


@njit(cache=True)
def _interval_sumexp(
    mu_i: float,
    a: Arr,
    beta: Arr,
    order: Arr,
    dt: float,
    link: int,
    jj: Arr,
    kk: Arr,
    scratch: Arr,
    work: Arr,
    edt: Arr,
    evq: Arr,
    short: bool,
) -> tuple[float, float]:
    """Compensator of ``phi(mu_i + sum_u a_u exp(-beta_u s))`` over
    ``[0, dt]`` and its derivative in ``mu_i``; fills ``jj``/``kk`` with
    ``J_u`` and ``K_u`` (module docstring). ``link`` 1 softplus, 2 relu;
    ``edt``, ``evq`` and ``short`` come from :func:`_gap_tables`."""
    u = a.size
    for c in range(u):
        jj[c] = 0.0
        kk[c] = 0.0
    if link == 2:
        # Fast paths: with mu - floor and every a_u of one sign the predictor
        # stays on one side of the floor over the whole gap (no root).
        above = mu_i > RELU_FLOOR
        below = not above
        for c in range(u):
            if a[c] < 0.0:
                above = False
            elif a[c] > 0.0:
                below = False
        if below:
            return RELU_FLOOR * dt, 0.0
        if above:
            lam_int = mu_i * dt
            for c in range(u):
                ib = 1.0 / beta[c]
                jj[c] = (1.0 - edt[c]) * ib
                kk[c] = ib * jj[c] - dt * ib * edt[c]
                lam_int += a[c] * jj[c]
            return lam_int, dt
        roots = scratch[0 : u + 1]
        tmp = scratch[u + 1 : 2 * u + 2]
        coef = scratch[2 * u + 2 : 3 * u + 3]
        lam = scratch[3 * u + 3 : 4 * u + 4]
        ex = scratch[4 * u + 4 : 5 * u + 5]
        n_r = _relu_pieces(mu_i, a, beta, order, dt, work, roots, tmp, coef, lam, ex)
        lam_int = RELU_FLOOR * dt
        span = 0.0
        p = 0.0
        for b in range(n_r + 1):
            q = roots[b] if b < n_r else dt
            if q > p:
                mid = 0.5 * (p + q)
                x = mu_i
                for c in range(u):
                    x += a[c] * math.exp(-beta[c] * mid)
                if x > RELU_FLOOR:
                    span += q - p
                    lam_int += (mu_i - RELU_FLOOR) * (q - p)
                    for c in range(u):
                        ib = 1.0 / beta[c]
                        ep = math.exp(-beta[c] * p)
                        eq = math.exp(-beta[c] * q)
                        jj[c] += (ep - eq) * ib
                        kk[c] += (p * ib + ib * ib) * ep - (q * ib + ib * ib) * eq
                        lam_int += a[c] * (ep - eq) * ib
            p = q
        return lam_int, span
    # softplus: quadrature until the predictor has relaxed to mu, then the
    # constant softplus(mu) (integrating phi itself, not phi - phi(mu), avoids
    # cancellation when inhibition makes the intensity tiny).
    smu = _softplus(mu_i)
    sgmu = _sigmoid(mu_i)
    if short:
        dx = 0.0
        for c in range(u):
            dx += abs(a[c]) * (1.0 - edt[c])
        if dx < 1.0:
            # One panel over the whole gap, exponentials from the shared table.
            j_int = 0.0
            j_mu = 0.0
            for q in range(_GL_X.size):
                s = 0.5 * dt * (_GL_X[q] + 1.0)
                wt = 0.5 * dt * _GL_W[q]
                x = mu_i
                for c in range(u):
                    x += a[c] * evq[q, c]
                z = math.exp(-abs(x))
                if x > 0.0:
                    sp = x + math.log1p(z)
                    sg = 1.0 / (1.0 + z)
                else:
                    sp = math.log1p(z)
                    sg = z / (1.0 + z)
                j_int += wt * sp
                j_mu += wt * sg
                for c in range(u):
                    e = wt * sg * evq[q, c]
                    jj[c] += e
                    kk[c] += e * s
            return j_int, j_mu
    b_max = 0.0
    s_rel = 0.0
    for c in range(u):
        b_max = max(b_max, beta[c])
        mag = abs(a[c]) * u
        if mag > _RELAX_TOL:
            s_rel = max(s_rel, math.log(mag / _RELAX_TOL) / beta[c])
    s_end = min(dt, s_rel)
    j_int = 0.0
    j_mu = 0.0
    gx = _GL_X
    gw = _GL_W
    lo = 0.0
    ev = scratch[0:u]  # exp(-beta_u s) at the current node
    # Panels [0, h], [h, 2h], [2h, 4h], ... with h = 2 / beta_max: each holds
    # at most a few e-folds of every component that is still large there
    # (8-point Gauss-Legendre integrates exp(-z) over a width of 2 to ~1e-14).
    width = min(s_end, 2.0 / b_max)
    while lo < s_end:
        hi = min(s_end, lo + width)
        # One sub-panel per unit change of the predictor keeps the rule in
        # softplus' smooth regime (at most 64).
        dx = 0.0
        for c in range(u):
            dx += abs(a[c]) * (math.exp(-beta[c] * lo) - math.exp(-beta[c] * hi))
        n_sub = 1 + min(int(dx), 63)
        h = (hi - lo) / n_sub
        for p in range(n_sub):
            left = lo + p * h
            for q in range(gx.size):
                s = left + 0.5 * h * (gx[q] + 1.0)
                wt = 0.5 * h * gw[q]
                x = mu_i
                for c in range(u):
                    ev[c] = math.exp(-beta[c] * s)
                    x += a[c] * ev[c]
                # softplus and sigmoid from one exponential.
                z = math.exp(-abs(x))
                if x > 0.0:
                    sp = x + math.log1p(z)
                    sg = 1.0 / (1.0 + z)
                else:
                    sp = math.log1p(z)
                    sg = z / (1.0 + z)
                j_int += wt * sp
                j_mu += wt * sg
                for c in range(u):
                    e = wt * sg * ev[c]
                    jj[c] += e
                    kk[c] += e * s
        lo = hi
        width = lo
    # Relaxed tail [s_end, dt]: phi'(x) = sigmoid(mu) there.
    if dt > s_end:
        for c in range(u):
            ib = 1.0 / beta[c]
            ep = math.exp(-beta[c] * s_end)
            eq = math.exp(-beta[c] * dt)
            jj[c] += sgmu * (ep - eq) * ib
            kk[c] += sgmu * ((s_end * ib + ib * ib) * ep - (dt * ib + ib * ib) * eq)
    return (dt - s_end) * smu + j_int, (dt - s_end) * sgmu + j_mu


# ``cum_at`` without residuals: an array, not None, so every call has the same
# argument types (the kernel compiles in ~15 s per set of types).
NO_CUM = np.empty(0)


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
    """Log-likelihood and analytic gradient, softplus (1) or relu (2) link.

    O(N D (D U + Q)), Q the cost of one gap's quadrature or root finding.
    With ``target >= 0`` only that node's terms (its events and its
    compensator) are included: the log-likelihood is a sum of such terms,
    each depending on ``(mu_i, alpha[i], beta)`` only, so with fixed decays
    the fit separates by target node, at O(N (D U + Q)) per row evaluation.
    Under relu an event whose predictor is at or below the floor contributes
    ``log(floor)`` and no gradient (the subgradient of the flat part).
    Returns ``-inf`` if a softplus intensity underflows to zero. With
    ``cum_at`` (N,) given (and ``target < 0``), it receives each event's
    node's cumulative compensator at the event time (for residuals); the
    package passes all ten arguments (``NO_CUM`` when residuals are not
    wanted), so one compiled specialisation serves every caller.
    At U = 1 this is :class:`ExpHawkes`' kernel (its layout ``[mu, A, beta]``).
    """
    n = times.size
    mu = x[:d]
    beta = x[d + d * d * u :]
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
    g_b = np.zeros(u)
    s0 = np.zeros(u * d)
    s1 = np.zeros(u * d)
    pend = np.zeros(d)
    a = np.zeros(u)
    da = np.zeros(u)
    jj = np.zeros(u)
    kk = np.zeros(u)
    out = np.zeros(4)
    scratch = np.zeros(5 * u + 5)
    work = np.zeros((u + 1, u + 1))
    edt = np.zeros(u)
    evq = np.zeros((_GL_X.size, u))
    cum = np.zeros(d)
    want_cum = False
    if cum_at is not None:
        want_cum = cum_at.size > 0
    ll = 0.0
    t_prev = 0.0
    log_floor = math.log(RELU_FLOOR)
    for k in range(n + 1):
        t = times[k] if k < n else end_time
        if t > t_prev or k == n:
            dt = t - t_prev
            for j in range(d):
                for c in range(u):
                    s0[c * d + j] += pend[j]
                pend[j] = 0.0
            if dt > 0.0:
                short = False
                if u == 1:
                    edt[0] = math.exp(-beta[0] * dt)
                else:
                    short = _gap_tables(beta, dt, link, edt, evq)
                if u == 1:
                    # One decay: the single-decay gap rules of ``_loglik``
                    # (inline: as a helper call this cost 25% at D = 10).
                    b = beta[0]
                    for i in range(d):
                        if target >= 0 and i != target:
                            continue
                        oa = i * d
                        ac = 0.0
                        dac = 0.0
                        for j in range(d):
                            ac += alpha[oa + j] * b * s0[j]
                            dac += alpha[oa + j] * (s0[j] - b * s1[j])
                        if link == 2:
                            _interval_relu(mu[i], ac, dac, b, dt, RELU_FLOOR, out)
                        else:
                            _interval_softplus(mu[i], ac, dac, b, dt, _GL_X, _GL_W, out)
                        ll -= out[0]
                        if want_cum:
                            cum[i] += out[0]
                        if with_grad:
                            g_mu[i] -= out[1]
                            f = out[2] * b
                            for j in range(d):
                                g_al[oa + j] -= f * s0[j]
                            g_b[0] -= out[3]
                else:
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
                        lam_int, dmu = _interval_sumexp(
                            mu[i],
                            a,
                            beta,
                            order,
                            dt,
                            link,
                            jj,
                            kk,
                            scratch,
                            work,
                            edt,
                            evq,
                            short,
                        )
                        ll -= lam_int
                        if want_cum:
                            cum[i] += lam_int
                        if with_grad:
                            g_mu[i] -= dmu
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
                        s1[j] = (s1[j] + dt * s0[j]) * e
                        s0[j] *= e
            t_prev = t
        if k == n:
            break
        i = marks[k]
        if cum_at is not None:  # (pruned at compile time when None)
            if want_cum:
                cum_at[k] = cum[i]
        if target >= 0 and i != target:
            pend[i] += 1.0
            continue
        xv = mu[i]
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
            r = 1.0 / xv
        else:
            lam = _softplus(xv)
            if not lam > 0.0:
                return -np.inf, np.zeros(x.size)
            r = _sigmoid(xv) / lam
        ll += math.log(lam)
        if with_grad:
            g_mu[i] += r
            for c in range(u):
                b = beta[c]
                f = r * b
                o = c * d
                oa = (o + i) * d
                db = 0.0
                for j in range(d):
                    g_al[oa + j] += f * s0[o + j]
                    db += alpha[oa + j] * (s0[o + j] - b * s1[o + j])
                g_b[c] += r * db
        pend[i] += 1.0
    grad = np.zeros(x.size)
    if with_grad:
        for i in range(d):
            grad[i] = g_mu[i]
            for j in range(d):
                for c in range(u):
                    grad[d + (i * d + j) * u + c] = g_al[(c * d + i) * d + j]
        for c in range(u):
            grad[d + d * d * u + c] = g_b[c]
    return ll, grad


def sumexp_compensator_at_events(
    x: Arr, times: Arr, marks: Arr, d: int, u: int, link: int
) -> Arr:
    """Cumulative compensator of each event's own node at the event time."""
    cum = np.zeros(times.size)
    end = float(times[-1]) if times.size else 0.0
    x = np.ascontiguousarray(x, dtype=float)
    sumexp_nonlinear_loglik_grad(x, times, marks, end, d, u, link, False, -1, cum)
    return cum
