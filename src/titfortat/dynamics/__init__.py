"""Action-reaction engine: multivariate Hawkes models.

Direction convention, used everywhere: ``adjacency_[i, j]`` and the parameter
``alpha[i<-j]`` are the effect of one event of node ``j`` on the later rate of
node ``i``.

Estimators accept a list of 1-D arrays of event times in days (one per node),
a dict of them, a frame with ``time``/``node`` columns, or an event-store frame
with a ``date`` column and a node column.

Day-resolution data: :class:`BinnedHawkes` models the day counts exactly;
:func:`jitter_times` (or ``ExpHawkes(tie_breaking="jitter")``) spreads
same-day events within their day for a continuous-time fit, an explicit
choice whose bias is documented there.

Every simulator's ``run()`` returns a DataFrame that its model's ``fit``
takes back: :class:`HawkesSimulator` an event frame (``time``, ``node``),
:class:`BinnedHawkesSimulator` day counts (index ``day``, one column per
node, empty days included). ``run_arrays()`` and ``run_counts()`` return the
bare arrays.

Architecture of the continuous-time family (issue 15)
-----------------------------------------------------
A model is ``kernel x link x baseline``. The kernel is declared once, in
``hawkes/kernels.py``; the code that fits, tests, simulates and diagnoses it
is written once and shared::

    hawkes/kernels.py      Kernel (declares param_names, bounds, params(),
                           kernel(t), integral(t); derives design,
                           excitation_at, compensator_at, sample_lags),
                           SumExpKernel / ExpKernel (U = 1) overriding them
                           with Ozaki's compiled recursion; Link objects
    hawkes/_rows.py        the concave row-separable fit (identity link,
                           fixed kernel parameters) for every kernel; the
                           one subsampled warm start (SUBSAMPLE_ABOVE)
    hawkes/_family.py      HawkesFamily, the base of every estimator: score,
                           predict_intensity, residuals, branching matrix
                           and ratio, spectral radius, share_triggered,
                           impulse_response, simulator, the shared learned
                           state (hooks _kernel_of_fit, _kernel_of,
                           _adjacency_of)
    hawkes/_inference.py   lr_test, profile_conf_int, bootstrap for every
                           model, BinnedHawkes included, from three hooks
                           (_alpha_index, _restricted_loglik,
                           _lower_limits); every restricted fit checked by
                           warn_if_not_maximum
    _branching.py          spectral_radius, branching_matrix and
                           branching_ratio of all four models (hook
                           _adjacency_of)
    hawkes/_diagnostics.py intensity, time-rescaling residuals, impulse
                           response (any U)
    hawkes/_simulate.py    HawkesSimulator: cluster construction for the
                           identity link (lags from the kernel), Ogata
                           thinning otherwise; ``run()`` -> event frame for
                           every model (``simulator()`` of each returns it)
    hawkes/_sim_kernels.py compiled cluster kernels and one Ogata thinning
                           kernel for every link, number of decays and
                           baseline
    hawkes/_loglik*.py     compiled log-likelihoods: identity exponential
                           (one pass for segments and covariates), sum of
                           exponentials, softplus/relu for any number of
                           decays (the exponential kernel is its U = 1
                           path), nonlinear with a varying baseline
    hawkes/_states.py      compiled states of the exponential kernel: the
                           compensator at events, the intensity on a grid
    hawkes/_kernel_hawkes.py  KernelHawkes: any declared kernel
    hawkes/_exp*.py        ExpHawkes (learned decay, every link, segments,
                           covariates, spline): the estimator holds one
                           ExpSpec (_exp_optimize.py: layout, likelihood,
                           optimisation) and a flat diagnostics base
    hawkes/_sumexp*.py     SumExpHawkes (learned decays, every link)

Before issue 15 the sum-of-exponentials stack re-implemented the row fit,
the warm start, the simulator (a private class without ``run()``), and had
no ``predict_intensity``, ``residuals``, ``branching_ratio`` or
``impulse_response``; those now come from the modules above, and ExpHawkes'
mixin chain (``_exp`` -> ``_exp_inference`` -> ``_exp_optimize`` ->
``_exp_diagnostics``, sharing state through ``vars(self).get``) is gone.
ExpHawkes' constant-baseline softplus/relu fits run the sum-of-exponentials
nonlinear kernel at U = 1 (as fast as the old exponential one, bit for
bit). Still separate, measured: the U = 1 identity learned-decay fit
through the sum-of-exponentials path is 1.8x slower, so ExpHawkes keeps its
identity kernel and Newton fit and its varying-baseline fits (``_exp_optimize``,
``_exog``, ``_exp_nonlinear``, ``_loglik_exog_nonlinear``) beside
SumExpHawkes' joint and nonlinear fits (``_sumexp_fit``,
``_sumexp_nonlinear``, ``_loglik_sumexp*``); they are the next to move onto
the kernel objects.

Adding a kernel: subclass :class:`~titfortat.dynamics.hawkes.kernels.Kernel`
in one file and declare ``param_names``, ``bounds``, ``params()``,
``kernel(t)`` (C component densities, each integrating to one) and
``integral(t)``. Then :class:`~titfortat.dynamics.hawkes.KernelHawkes` fits
it (estimates, standard errors, score, residuals, branching, simulation),
and ``tests/dynamics/test_custom_kernel.py`` shows the generic checks it
gets by adding it to ``KERNELS``: integral against quadrature of the
density, unit mass, sampled lags against the density's mean, and (for a
compiled override) equality with the derived O(N^2) pieces. A Markov kernel
overrides ``design``, ``excitation_at``, ``compensator_at`` and
``sample_lags`` with compiled code for speed; a power law keeps the derived
ones.
"""

from __future__ import annotations

from titfortat.dynamics._jitter import jitter_times
from titfortat.dynamics.counts import BinnedHawkes, BinnedHawkesSimulator
from titfortat.dynamics.hawkes import ExpHawkes, HawkesSimulator, SumExpHawkes

__all__ = [
    "BinnedHawkes",
    "BinnedHawkesSimulator",
    "ExpHawkes",
    "HawkesSimulator",
    "SumExpHawkes",
    "jitter_times",
]
