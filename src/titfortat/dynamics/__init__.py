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
A model is ``kernel x link x baseline``, each declared once; the code that
fits, tests, simulates and diagnoses them is written once and shared::

    hawkes/kernels.py      Kernel: param_names, bounds, params(), kernel(t),
                           integral(t); derives design, excitation_at,
                           compensator_at, sample_lags. SumExpKernel and
                           ExpKernel (U = 1) override them with Ozaki's
                           compiled recursion and add impulse_response.
                           Link: identity, softplus, relu, with the sign
                           constraints each needs.
    hawkes/baselines.py    Baseline: constant, K equal segments, step
                           covariates, cubic spline (terms in _exog.py):
                           parameter names, mu(t), its integral, its pieces
                           for the nonlinear kernels (NonlinearDesign), the
                           simulator of a fitted model.
    hawkes/_family.py      HawkesFamily, the base of every estimator: score,
                           predict_intensity, residuals, simulator, from the
                           hooks _kernel_of_fit, _kernel_of, _adjacency_of,
                           _baseline_params, _loglik_at_fit.
    _branching.py          spectral_radius, branching_matrix, branching_ratio,
                           share_triggered, impulse_response of all four
                           models, BinnedHawkes included.
    hawkes/_inference.py   lr_test, profile_conf_int, bootstrap of all four
                           models from three hooks (_alpha_index,
                           _restricted_loglik, _lower_limits); every
                           restricted fit checked by warn_if_not_maximum.
    _optim.py              maximize (multi-start L-BFGS-B / SLSQP),
                           newton_maximize, observed_information (one
                           numerical Hessian; row-blocked when the
                           likelihood separates by target node), covariance,
                           fit_health, delta_method.

    One fitting path per problem class:
    hawkes/_rows.py        identity link, kernel parameters fixed: the
                           concave row-separable fit, any kernel, segments;
                           the one subsampled warm start (SUBSAMPLE_ABOVE).
    hawkes/_sumexp_fit.py  identity link, decays learned: fit_learned (row
                           warm start per start, subsample screening,
                           projected Newton on one fused pass, L-BFGS-B
                           fallback), ExpHawkes and SumExpHawkes.
    hawkes/_sumexp_nonlinear.py  softplus/relu, constant baseline:
                           row-separable L-BFGS-B for fixed decays, joint
                           for learned ones (both models).
    hawkes/_exp_optimize.py  ExpSpec, the layout [mu (K*D), alpha (D*D*U),
                           gamma (D*p), beta (U)]: routes to the paths
                           above; multi-start L-BFGS-B for a varying
                           baseline (SLSQP with covariates under the
                           identity link, which must stay positive).

    Compiled kernels, grouped by what they compute:
    hawkes/_loglik.py      link functions, the identity U = 1 pass with
                           segments and covariates (kept: it is 1.4-2.2x
                           faster than the general loop at U = 1,
                           measured), row likelihood.
    hawkes/_loglik_sumexp.py  identity, any U: ll + gradient, and the fused
                           ll + gradient + Hessian with segments.
    hawkes/_gaps_nonlinear.py  softplus/relu: the compensator of one gap,
                           once for U decays and a baseline polynomial of
                           degree <= 3 (Gauss-Legendre panels for softplus,
                           closed form between the relu crossings), and the
                           scalar U = 1 rules of a piecewise-constant
                           baseline (kept: the general rules took 3.5-4.7x
                           as long there under relu, measured).
    hawkes/_exp_poly_roots.py  the relu floor crossings of a polynomial plus
                           an exponential sum (Descartes' rule of signs,
                           Rolle's theorem).
    hawkes/_loglik_sumexp_nonlinear.py  softplus/relu, any U, constant or
                           piecewise-polynomial baseline (step covariates,
                           segments, spline): the one pass.
    hawkes/_states.py      states at events and on a grid (U = 1).
    hawkes/_sim_kernels.py cluster construction; one Ogata thinning kernel
                           for every link, U and baseline.
    hawkes/_simulate.py    HawkesSimulator: ``run()`` -> event frame for
                           every model.

    Estimators (thin: settings, starts, names):
    hawkes/_exp_family.py  ExpFamilyHawkes, the one fit of the exponential
                           family (U >= 1): fit, covariance, restricted
                           refits, lower limits, hooks.
    hawkes/_exp.py         ExpHawkes: U = 1, every link and baseline, ties
                           and jitter.
    hawkes/_sumexp.py      SumExpHawkes: U decays, every link, constant
                           baseline.
    hawkes/_kernel_hawkes.py  KernelHawkes: any declared kernel, identity.
    counts/                BinnedHawkes (day counts) holds a BinnedLayout
                           (_layout.py) and uses the shared inference and
                           branching modules.

Before issue 15 ExpHawkes was a mixin chain (``_exp`` -> ``_exp_inference``
-> ``_exp_optimize`` -> ``_exp_diagnostics``, sharing state through
``vars(self).get``), and SumExpHawkes re-implemented the row fit, the warm
start, the learned-decay Newton fit, the numerical Hessian, the simulator
(a private class without ``run()``) and lacked ``predict_intensity``,
``residuals``, ``branching_ratio`` and ``impulse_response``. The relu
compensator was written three times (one decay, several decays, cubic
baseline); it is now one gap rule. Still separate, by measurement: the
identity U = 1 pass and the scalar U = 1 nonlinear gap rules (faster), and
``_exog.loglik_grad_exog`` (the identity link's covariate baseline
separates from the excitation, so it needs no gap rule).
``tests/dynamics/test_architecture.py`` keeps every module under 600 lines
and private state out of ``vars(self).get``.

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
