"""Numba kernel: one run of a linear exponential Hawkes process under a policy.

Why not the Ogata thinning of :mod:`titfortat.dynamics.hawkes`: policy
comparisons need *common random numbers* that stay aligned when a policy
changes the history. Thinning consumes one stream in time order, so the first
extra strike shifts every later draw and the two paths decouple. Here the
process is generated through its cluster (branching) representation, in time
order, and every random number is a hash of the *identity* of the event it
belongs to (background candidate k of node i; child m of node i of event K;
the response decision of trigger K). A policy that adds a strike adds that
strike's descendants and nothing else; every other event keeps its draws.
This is the counter-based idea of Salmon et al. (2011, "Parallel random
numbers: as easy as 1, 2, 3") with the SplitMix64 finaliser of Steele, Lea &
Flood (2014) as the mixing function; the coupling of counterfactual paths by
shared per-event noise follows Noorbakhsh & Gomez-Rodriguez (2022).

Model, for node i (``adj[i, j]`` is the effect of one node-j event on i)::

    lambda_i(t) = w_i(t) * (c_i(t) b_i(t) mu_i
                            + sum_{t_k < t} adj[i, j_k] beta e^{-beta (t - t_k)})

``c_i`` is the faction's capacity (each event of node ``dmg_by[i]`` multiplies
it by ``1 - dmg[i]``; it recovers towards 1 at rate ``resupply[i]``), ``b_i``
the product of the baseline factors of the active windows and ``w_i`` that
of the intensity factors. All factors lie in [0, 1], so the process is an
independent thinning of the unmodified cluster process, with the acceptance
probability evaluated when the candidate is reached in time order (it then
depends only on the past, as thinning requires).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from titfortat.dynamics.hawkes._loglik import _phi

__all__ = ["N_OUT", "simulate_policy_run"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)

# Salts that separate the uses of one event's key.
_SALT_CHILD = np.uint64(1)
_SALT_NCHILD = np.uint64(2)
_SALT_ACCEPT = np.uint64(3)
_SALT_FATAL = np.uint64(4)
_SALT_RESPOND = np.uint64(5)
_SALT_LAG = np.uint64(6)
_SALT_POLICY = np.uint64(7)
_SALT_BG = np.uint64(8)
_SALT_GAP = np.uint64(9)
_SALT_TARGET = np.uint64(10)

#: Scalars returned per run: n_events, max cycle length, quiescence, truncated.
N_OUT = 4


@njit(cache=True, inline="always")
def _mix(x: np.uint64) -> np.uint64:
    """SplitMix64 finaliser (Steele et al. 2014): a bijective 64-bit mixer."""
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def _key(parent: np.uint64, a: int, b: int, salt: np.uint64) -> np.uint64:
    """Key of a sub-stream: parent key, two small integers and a salt."""
    h = _mix(parent ^ (salt * _GOLDEN) ^ (np.uint64(b) * _M2))
    return _mix(h ^ (np.uint64(a) * _M1))


@njit(cache=True, inline="always")
def _unif(key: np.uint64, salt: np.uint64) -> float:
    """Uniform on (0, 1) from a key (53 random bits, never exactly 0)."""
    return ((_mix(key ^ (salt * _M2)) >> _S11) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def _poisson(mean: float, u: float) -> int:
    """Poisson(mean) by inversion of one uniform (means here are below ~5)."""
    if mean <= 0.0:
        return 0
    p = math.exp(-mean)
    f = p
    k = 0
    while u > f and k < 1000:
        k += 1
        p *= mean / k
        f += p
    return k


@njit(cache=True, inline="always")
def _move(ht, hn, hk, hc, hf, i, k):  # type: ignore[no-untyped-def]
    """Heap item ``k`` into slot ``i``."""
    ht[i] = ht[k]
    hn[i] = hn[k]
    hk[i] = hk[k]
    hc[i] = hc[k]
    hf[i] = hf[k]


@njit(cache=True, inline="always")
def _push(ht, hn, hk, hc, hf, n, t, node, key, cs, flag):  # type: ignore[no-untyped-def]
    """Push onto a binary min-heap on time held in parallel arrays (parents
    move down into the hole; the item is written once)."""
    i = n
    while i > 0:
        p = (i - 1) // 2
        if ht[p] <= t:
            break
        _move(ht, hn, hk, hc, hf, i, p)
        i = p
    ht[i] = t
    hn[i] = node
    hk[i] = key
    hc[i] = cs
    hf[i] = flag


@njit(cache=True, inline="always")
def _pop(ht, hn, hk, hc, hf, n):  # type: ignore[no-untyped-def]
    """Pop the earliest item; ``n`` is the size before the pop."""
    t, node, key, cs, flag = ht[0], hn[0], hk[0], hc[0], hf[0]
    last = n - 1
    lt = ht[last]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= last:
            break
        if c + 1 < last and ht[c + 1] < ht[c]:
            c += 1
        if lt <= ht[c]:
            break
        _move(ht, hn, hk, hc, hf, i, c)
        i = c
    _move(ht, hn, hk, hc, hf, i, last)
    return t, node, key, cs, flag


@njit(cache=True, inline="always")
def _factor(t, i, w_start, w_end, w_fac):  # type: ignore[no-untyped-def]
    f = 1.0
    for w in range(w_start.size):
        if w_start[w] <= t < w_end[w]:
            f *= w_fac[w, i]
    return f


# Item flags in the heap.
_BACKGROUND = 0
_CHILD = 1
_FORCED = 2  # exogenous or policy events: always happen

#: Status of a run: the heap is (nearly) full. The caller grows the heap and
#: runs the run again from its start: every draw is keyed by event identity,
#: so the rerun is the same run. This keeps the event loop free of array
#: reassignments and of exits other than its condition and the max_events
#: break: growing the arrays inside it, or returning from inside it, made
#: numba count array references (atomic operations) on every pass, which took
#: about two thirds of the kernel's time (perf, 2026-12-02).
_FULL = -1


@njit(cache=True, inline="always")
def _recover(t, i, resupply, c, c_time):  # type: ignore[no-untyped-def]
    """Capacity of faction ``i`` brought forward to ``t`` (resupply towards 1)."""
    if resupply[i] > 0.0:
        c[i] = 1.0 - (1.0 - c[i]) * math.exp(-resupply[i] * (t - c_time[i]))
        c_time[i] = t


@njit(cache=True, inline="always")
def _damage(t, j, dmg, dmg_by, resupply, c, c_time):  # type: ignore[no-untyped-def]
    """Capacity damage done by an event of node ``j`` at ``t``."""
    for i in range(dmg.size):
        if dmg_by[i] == j and dmg[i] > 0.0:
            _recover(t, i, resupply, c, c_time)
            c_time[i] = t
            c[i] *= 1.0 - dmg[i]


@njit(cache=True, inline="always")
def _bin(t, bin_edges, inv_width):  # type: ignore[no-untyped-def]
    """Bin of ``t >= bin_edges[0]`` (``nbins`` if past the last edge)."""
    nbins = bin_edges.size - 1
    # Guess the bin as if bins were equal, then step to the exact one
    # (one step at most for the day bins of run()).
    lo = min(int((t - bin_edges[0]) * inv_width), nbins - 1)
    while lo > 0 and bin_edges[lo] > t:
        lo -= 1
    while lo < nbins and bin_edges[lo + 1] <= t:
        lo += 1
    return lo


@njit(cache=True, inline="always")
def _quiet(t, active_from, quiet_days, last, quiet_at):  # type: ignore[no-untyped-def]
    """Quiescence clock after an event at ``t``: the new ``(last, quiet_at)``."""
    if t >= active_from:
        if np.isnan(quiet_at) and t - last >= quiet_days:
            quiet_at = last - active_from
        last = t
    return last, quiet_at


@njit(cache=True, inline="always")
def _respond(key, t, cs, same_side, end_time, resp, heap, n):  # type: ignore[no-untyped-def]
    """The state's response rule after a trigger event (key ``key``, chain
    start ``cs``); pushes the strikes (the caller has made room) and returns
    the heap size."""
    _, response, p_fatal, p_respond, lag_lo, lag_hi, n_strikes = resp
    ht, hn, hk, hc, hf = heap
    if _unif(key, _SALT_FATAL) < p_fatal and _unif(key, _SALT_RESPOND) < p_respond:
        tr = t + lag_lo + (lag_hi - lag_lo) * _unif(key, _SALT_LAG)
        if tr < end_time:
            # The chain continues only across sides.
            ccs = np.inf if same_side else (cs if not np.isinf(cs) else t)
            for s in range(n_strikes):
                kp = _key(key, response, s, _SALT_POLICY)
                _push(ht, hn, hk, hc, hf, n, tr, response, kp, ccs, _FORCED)
                n += 1
    return n


@njit(cache=True, inline="always")
def _push_exogenous(run_key, ex_time, ex_node, ht, hn, hk, hc, hf, n):  # type: ignore[no-untyped-def]
    """Push the scenario's initial (exogenous) events; heap size or _FULL."""
    for e in range(ex_time.size):
        if n == ht.size:
            return _FULL
        kx = _key(run_key, ex_node[e], e, _SALT_POLICY)
        _push(ht, hn, hk, hc, hf, n, ex_time[e], ex_node[e], kx, np.inf, _FORCED)
        n += 1
    return n


@njit(cache=True, inline="always")
def _finish(span, last, quiet_at, n_events, longest, truncated, scalars_out):  # type: ignore[no-untyped-def]
    """Close the quiescence clock at the end of the window; write the scalars."""
    _, end_time, active_from, quiet_days, _ = span
    if np.isnan(quiet_at) and end_time - last >= quiet_days:
        quiet_at = last - active_from
    scalars_out[0] = n_events
    scalars_out[1] = longest
    scalars_out[2] = quiet_at
    scalars_out[3] = truncated


@njit(cache=True)
def simulate_policy_run(  # type: ignore[no-untyped-def]
    run_key, mu, adj, beta, span, side, win, caps, resp, ex, suppress, out, heap
):
    """Simulate one run; write binned counts and per-run scalars in place.

    Background events start at ``start_time`` (<= 0: a history before the
    counted window). ``counts_out`` has shape ``(len(bin_edges) - 1, D)``;
    ``scalars_out`` is
    ``[n_events, longest tit-for-tat chain (days), days from active_from to
    quiescence (NaN if censored), truncated (0/1)]``. A tit-for-tat chain is
    a line of descent in which every link crosses sides (``side[i]`` is 0 for
    the state, 1 for the network): attack -> strike -> attack -> ...
    ``ht`` .. ``hf`` are the heap's arrays (time, node, key, chain start,
    flag); returns 0, or _FULL if they are too small for this run.
    """
    start_time, end_time, active_from, quiet_days, max_events = span
    w_start, w_end, w_base, w_int = win
    cap0, dmg, dmg_by, resupply = caps
    trigger, response, n_strikes = resp[0], resp[1], resp[6]
    ex_time, ex_node = ex
    bin_edges, counts_out, scalars_out = out
    ht, hn, hk, hc, hf = heap
    d = mu.size
    n = 0
    nbins = bin_edges.size - 1
    inv_width = nbins / (bin_edges[nbins] - bin_edges[0])
    counts_out[:, :] = 0
    has_damage = False
    for i in range(d):
        if dmg_by[i] >= 0 and dmg[i] > 0.0:
            has_damage = True
    # Background candidates of node i come from a homogeneous Poisson process
    # at mu_i (all factors are <= 1), one pending candidate per node.
    bg_count = np.zeros(d, dtype=np.int64)
    for i in range(d):
        if mu[i] > 0.0 and not suppress[i]:
            k0 = _key(run_key, i, 0, _SALT_BG)
            t = start_time - math.log(_unif(k0, _SALT_GAP)) / mu[i]
            if t < end_time:
                if n == ht.size:
                    return _FULL
                _push(ht, hn, hk, hc, hf, n, t, i, k0, np.inf, _BACKGROUND)
                n += 1
    n = _push_exogenous(run_key, ex_time, ex_node, ht, hn, hk, hc, hf, n)
    if n == _FULL:
        return _FULL
    colsum = np.zeros(d)
    colcdf = np.zeros((d, d))
    for j in range(d):
        acc = 0.0
        for i in range(d):
            acc += adj[i, j]
            colcdf[i, j] = acc
        colsum[j] = acc
    c = cap0.copy()
    c_time = np.full(d, start_time)
    n_events = 0
    longest = 0.0
    last = active_from
    quiet_at = np.nan
    truncated = 0
    # Room for what one event can push: its next background candidate, at
    # most 1000 children (the cap of _poisson) and the strikes it triggers.
    # The loop stops when less is free; the caller then grows the heap.
    top = ht.size - (1001 + n_strikes)
    while 0 < n <= top:
        t, j, key, cs, flag = _pop(ht, hn, hk, hc, hf, n)
        n -= 1
        if flag == _BACKGROUND:
            # Schedule the next candidate of this node first, so the
            # candidate stream does not depend on what is accepted.
            bg_count[j] += 1
            k1 = _key(run_key, j, bg_count[j], _SALT_BG)
            t1 = t - math.log(_unif(k1, _SALT_GAP)) / mu[j]
            if t1 < end_time:
                _push(ht, hn, hk, hc, hf, n, t1, j, k1, np.inf, _BACKGROUND)
                n += 1
            if resupply[j] > 0.0:
                _recover(t, j, resupply, c, c_time)
            prob = c[j] * _factor(t, j, w_start, w_end, w_base)
            prob *= _factor(t, j, w_start, w_end, w_int)
            if prob < 1.0 and _unif(key, _SALT_ACCEPT) >= prob:
                continue
        elif flag == _CHILD:
            if suppress[j]:
                continue
            prob = _factor(t, j, w_start, w_end, w_int)
            if prob < 1.0 and _unif(key, _SALT_ACCEPT) >= prob:
                continue
        # Events before the first bin edge are history: they excite, damage
        # and take part in chains, but are not counted. The count is written
        # here, not in a helper: an inlined helper that took counts_out and
        # bin_edges brought back numba's per-pass reference counting.
        if t >= bin_edges[0]:
            n_events += 1
            lo = _bin(t, bin_edges, inv_width)
            if lo < nbins:
                counts_out[lo, j] += 1
            last, quiet_at = _quiet(t, active_from, quiet_days, last, quiet_at)
            if not np.isinf(cs) and t - cs > longest:
                longest = t - cs
            if max_events > 0 and n_events >= max_events:
                truncated = 1
                break
        if has_damage:
            _damage(t, j, dmg, dmg_by, resupply, c, c_time)
        # Direct offspring: Poisson(sum_i adj[i, j]) children, each of node i
        # with probability adj[i, j] / sum (the same law as independent
        # Poisson(adj[i, j]) counts per target, at one Poisson draw per event).
        m = _poisson(colsum[j], _unif(key, _SALT_NCHILD))
        for r in range(m):
            kc = _key(key, r + 1, 0, _SALT_CHILD)
            tc = t - math.log(_unif(kc, _SALT_GAP)) / beta
            if tc >= end_time:
                continue
            u = _unif(kc, _SALT_TARGET) * colsum[j]
            i = 0
            while i < d - 1 and u >= colcdf[i, j]:
                i += 1
            # Chain start of the child: the chain continues only across sides.
            if side[i] != side[j]:
                ccs = cs if not np.isinf(cs) else t
            else:
                ccs = np.inf
            _push(ht, hn, hk, hc, hf, n, tc, i, kc, ccs, _CHILD)
            n += 1
        if j == trigger and t >= active_from:
            same = side[response] == side[j]
            n = _respond(key, t, cs, same, end_time, resp, heap, n)

    if n > top and truncated == 0:
        return _FULL
    _finish(span, last, quiet_at, n_events, longest, truncated, scalars_out)
    return 0


@njit(cache=True)
def simulate_policy_run_thinning(  # type: ignore[no-untyped-def]
    run_key, mu, adj, beta, span, link, win, caps, resp, ex, suppress, out, heap
):
    """One run under a softplus or relu link, by Ogata thinning with the
    policy logic (the cluster form does not exist for a nonlinear link).

    ``lambda_i = w_i(t) phi(c_i(t) b_i(t) mu_i + y_i(t))``, ``y`` the excitation.
    Between events ``y`` moves monotonically towards 0 and every factor is
    <= 1, so ``sum_i phi(max(mu_i, 0) + max(y_i, 0))`` bounds the intensity
    until the next event or the next scheduled (exogenous or policy) event,
    where the bound is renewed. Candidate k draws from the key of (run, k):
    common random numbers stay aligned until the first differing event, less
    tightly than in the cluster kernel. No genealogy exists here, so the
    chain length (``scalars_out[1]``) is NaN. The heap holds only the
    scheduled events; returns 0, or _FULL as :func:`simulate_policy_run`.
    """
    start_time, end_time, active_from, quiet_days, max_events = span
    w_start, w_end, w_base, w_int = win
    cap0, dmg, dmg_by, resupply = caps
    trigger, n_strikes = resp[0], resp[6]
    ex_time, ex_node = ex
    bin_edges, counts_out, scalars_out = out
    ht, hn, hk, hc, hf = heap
    d = mu.size
    nbins = bin_edges.size - 1
    inv_width = nbins / (bin_edges[nbins] - bin_edges[0])
    counts_out[:, :] = 0
    n = _push_exogenous(run_key, ex_time, ex_node, ht, hn, hk, hc, hf, 0)
    if n == _FULL:
        return _FULL
    has_damage = False
    for i in range(d):
        if dmg_by[i] >= 0 and dmg[i] > 0.0:
            has_damage = True
    y = np.zeros(d)
    lam = np.zeros(d)
    c = cap0.copy()
    c_time = np.full(d, start_time)
    t = start_time
    k = 0
    n_events = 0
    last = active_from
    quiet_at = np.nan
    truncated = 0
    top = ht.size - n_strikes
    while n <= top:
        bound = 0.0
        for i in range(d):
            if not suppress[i]:
                bound += max(_phi(max(mu[i], 0.0) + max(y[i], 0.0), link), 0.0)
        next_forced = ht[0] if n > 0 else np.inf
        tc = np.inf
        kk = run_key
        if bound > 0.0:
            k += 1
            kk = _key(run_key, k, 0, _SALT_BG)
            tc = t - math.log(_unif(kk, _SALT_GAP)) / bound
        if min(tc, next_forced) >= end_time:
            break
        if next_forced <= tc:
            tf, j, key, _, _ = _pop(ht, hn, hk, hc, hf, n)
            n -= 1
            e = math.exp(-beta * (tf - t))
            for i in range(d):
                y[i] *= e
            t = tf
        else:
            e = math.exp(-beta * (tc - t))
            for i in range(d):
                y[i] *= e
            t = tc
            total = 0.0
            for i in range(d):
                lam[i] = 0.0
                if suppress[i]:
                    continue
                _recover(t, i, resupply, c, c_time)
                x = c[i] * _factor(t, i, w_start, w_end, w_base) * mu[i] + y[i]
                lam[i] = max(_phi(x, link), 0.0) * _factor(t, i, w_start, w_end, w_int)
                total += lam[i]
            u = _unif(kk, _SALT_ACCEPT) * bound
            if u >= total:
                continue
            acc = 0.0
            j = d - 1
            for i in range(d):
                acc += lam[i]
                if u < acc:
                    j = i
                    break
            key = kk
        if t >= bin_edges[0]:
            n_events += 1
            lo = _bin(t, bin_edges, inv_width)
            if lo < nbins:
                counts_out[lo, j] += 1
            last, quiet_at = _quiet(t, active_from, quiet_days, last, quiet_at)
            if max_events > 0 and n_events >= max_events:
                truncated = 1
                break
        if has_damage:
            _damage(t, j, dmg, dmg_by, resupply, c, c_time)
        for i in range(d):
            y[i] += adj[i, j] * beta
        if j == trigger and t >= active_from:
            n = _respond(key, t, np.inf, True, end_time, resp, heap, n)

    if n > top and truncated == 0:
        return _FULL
    _finish(span, last, quiet_at, n_events, np.nan, truncated, scalars_out)
    return 0


@njit(cache=True)
def simulate_many(  # type: ignore[no-untyped-def]
    run_keys,
    mu,
    adj,
    beta,
    start_time,
    end_time,
    side,
    w_start,
    w_end,
    w_base,
    w_int,
    cap0,
    dmg,
    dmg_by,
    resupply,
    ex_time,
    ex_node,
    trigger,
    response,
    p_fatal,
    p_respond,
    lag_lo,
    lag_hi,
    n_strikes,
    active_from,
    suppress,
    bin_edges,
    quiet_days,
    max_events,
    link,
    counts_out,
    scalars_out,
):
    """Several runs with the same parameters (one per key); ``mu`` and
    ``adj`` may differ per run: shapes ``(R, D)`` and ``(R, D, D)``.
    ``link`` is a code of ``LINK_CODES``: 0 runs the cluster kernel, softplus
    and relu the thinning kernel. One heap serves every run; a run that
    fills it is run again with a heap twice as large."""
    span = (start_time, end_time, active_from, quiet_days, max_events)
    win = (w_start, w_end, w_base, w_int)
    caps = (cap0, dmg, dmg_by, resupply)
    resp = (trigger, response, p_fatal, p_respond, lag_lo, lag_hi, n_strikes)
    ex = (ex_time, ex_node)
    cap = 2 * (1024 + n_strikes + ex_time.size + mu.shape[1])
    heap = _new_heap(cap)
    for r in range(run_keys.size):
        out = (bin_edges, counts_out[r], scalars_out[r])
        key, m, a, b = run_keys[r], mu[r], adj[r], beta[r]
        while True:
            if link != 0:
                status = simulate_policy_run_thinning(
                    key, m, a, b, span, link, win, caps, resp, ex, suppress, out, heap
                )
            else:
                status = simulate_policy_run(
                    key, m, a, b, span, side, win, caps, resp, ex, suppress, out, heap
                )
            if status != _FULL:
                break
            cap *= 2
            heap = _new_heap(cap)


@njit(cache=True)
def _new_heap(cap):  # type: ignore[no-untyped-def]
    """Heap arrays: time, node, key, chain start, flag."""
    return (
        np.empty(cap),
        np.empty(cap, dtype=np.int64),
        np.empty(cap, dtype=np.uint64),
        np.empty(cap),
        np.empty(cap, dtype=np.int64),
    )
