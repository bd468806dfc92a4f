"""A new kernel is declared in one place and gets the family's code for free.

``Erlang2`` below is the whole declaration of a kernel the package does not
ship (a delayed response peaking at ``1 / beta`` days): its parameter, its
density and its integral. Fitting, standard errors, residuals, the branching
ratio and simulation come from the family (:class:`KernelHawkes`, the base
class :class:`~titfortat.dynamics.hawkes.kernels.Kernel`). The generic checks
at the bottom run over every kernel, shipped or declared here.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from titfortat.dynamics import HawkesSimulator
from titfortat.dynamics.hawkes import KernelHawkes
from titfortat.dynamics.hawkes.kernels import ExpKernel, Kernel, SumExpKernel


class Erlang2(Kernel):
    """``g(t) = beta^2 t exp(-beta t)``: the declaration, nothing else."""

    param_names = ("decay",)
    bounds = ((1e-6, 1e6),)

    def __init__(self, decay: float) -> None:
        self.decay = decay

    def params(self) -> np.ndarray:
        return np.array([self.decay])

    def kernel(self, t: np.ndarray) -> np.ndarray:
        b = self.decay
        return (b * b * t * np.exp(-b * t))[None, :]

    def integral(self, t: np.ndarray) -> np.ndarray:
        b = self.decay
        return (1.0 - np.exp(-b * t) * (1.0 + b * t))[None, :]


MU = np.array([0.4, 0.3])
ADJ = np.array([[[0.3], [0.2]], [[0.0], [0.35]]])


def test_declared_kernel_is_recovered_by_the_family():
    """Simulate with the declared kernel (cluster construction, lags by
    inverting its integral), fit it, and find the truth in the 95% CIs."""
    kern = Erlang2(1.5)
    arrays = HawkesSimulator(MU, ADJ, kern, end_time=4000.0, rng=3).run_arrays()
    model = KernelHawkes(kernel=kern).fit(arrays, end_time=4000.0)
    assert model.converged_
    truth = np.concatenate([MU, ADJ.ravel()])
    ci = model.conf_int()
    nonzero = truth > 0
    assert np.all(ci["ci_lower"].to_numpy()[nonzero] <= truth[nonzero])
    assert np.all(ci["ci_upper"].to_numpy()[nonzero] >= truth[nonzero])
    est = model.results_.params.to_numpy()
    assert np.max(np.abs(est - truth)) < 0.1
    # Residuals from the generic compensator are Exp(1) under the truth.
    ks = model.residuals().ks_test()
    assert (ks["p_value"] > 0.01).all()
    ratio = model.branching_ratio().estimate.iloc[0]
    assert abs(ratio - np.max(np.abs(np.linalg.eigvals(ADJ.sum(2))))) < 0.1


def test_wrong_kernel_is_rejected_by_the_likelihood():
    """The same Erlang data fitted with an exponential kernel of the same
    mean lag loses clearly in log-likelihood (the kernel matters)."""
    arrays = HawkesSimulator(MU, ADJ, Erlang2(1.5), end_time=4000.0, rng=4).run_arrays()
    ll_erlang = KernelHawkes(kernel=Erlang2(1.5)).fit(arrays, end_time=4000.0)
    ll_exp = KernelHawkes(kernel=ExpKernel(0.75)).fit(arrays, end_time=4000.0)
    assert ll_erlang.results_.log_likelihood > ll_exp.results_.log_likelihood + 10.0


# ---------------------------------------------------------------- generic checks
KERNELS = [ExpKernel(1.3), SumExpKernel([0.3, 4.0]), Erlang2(1.5)]


@pytest.mark.parametrize("kern", KERNELS, ids=lambda k: type(k).__name__)
def test_kernel_integral_matches_its_density(kern):
    t = np.array([0.1, 0.7, 2.5, 9.0])
    for c in range(kern.n_components):
        quad = [
            integrate.quad(lambda s, c=c: kern.kernel(np.array([s]))[c, 0], 0.0, x)[0]
            for x in t
        ]
        np.testing.assert_allclose(kern.integral(t)[c], quad, rtol=1e-8)
        # Each component is a density: it integrates to one.
        assert kern.integral(np.array([kern.horizon()]))[c, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("kern", KERNELS, ids=lambda k: type(k).__name__)
def test_kernel_lags_follow_its_density(kern):
    rng = np.random.default_rng(0)
    for c in range(kern.n_components):
        lags = kern.sample_lags(rng, np.full(20_000, c))
        mean = integrate.quad(
            lambda s, c=c: s * kern.kernel(np.array([s]))[c, 0], 0.0, kern.horizon()
        )[0]
        assert lags.mean() == pytest.approx(mean, rel=0.03)


def test_compiled_recursion_equals_the_generic_derivation():
    """The exponential kernels override the base class with Ozaki's compiled
    recursion; both must give the same design, excitation and compensator."""
    from titfortat.dynamics._events import merge_events

    arrays = HawkesSimulator(MU, ADJ[:, :, 0], 1.0, end_time=300.0, rng=1).run_arrays()
    times, marks = merge_events(arrays)
    kern = SumExpKernel([0.4, 2.0])
    for name in ("design",):
        fast = getattr(kern, name)(times, marks, 300.0, 2)
        slow = getattr(Kernel, name)(kern, times, marks, 300.0, 2)
        for a, b in zip(fast, slow, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    grid = np.linspace(0.0, 300.0, 57)
    np.testing.assert_allclose(
        kern.excitation_at(times, marks, grid, 2),
        Kernel.excitation_at(kern, times, marks, grid, 2),
        rtol=1e-9,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        kern.compensator_at(times, marks, times, 2),
        Kernel.compensator_at(kern, times, marks, times, 2),
        rtol=1e-9,
        atol=1e-9,
    )
