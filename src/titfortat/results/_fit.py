"""FitResult and Summary: what every fitted model reports."""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["FitResult", "Summary"]

_COLUMNS = ["estimate", "std_err", "ci_lower", "ci_upper", "z", "p_value"]


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("titfortat")
    except PackageNotFoundError:  # pragma: no cover - source tree
        return "0.0.0+unknown"


@dataclasses.dataclass(frozen=True)
class Summary:
    """A printable parameter table with a header.

    Parameters
    ----------
    table : pandas.DataFrame
        Indexed by parameter name, columns ``estimate, std_err, ci_lower,
        ci_upper, z, p_value``; ``table.attrs["alpha"]`` holds the CI level.
    header : dict
        Model, data, n, log-likelihood, AIC, BIC, hypothesis tested, CI level.

    Examples
    --------
    >>> import pandas as pd
    >>> r = FitResult.from_estimates(
    ...     params=pd.Series([1.0, 0.5], index=["mu[a]", "alpha[a<-a]"]),
    ...     cov_params=[[0.01, 0.0], [0.0, 0.04]], log_likelihood=-10.0,
    ...     n_obs=20, n_events=20, n_nodes=1, end_time=20.0, model_repr="Toy()")
    >>> s = r.summary()
    >>> list(s.table.columns)
    ['estimate', 'std_err', 'ci_lower', 'ci_upper', 'z', 'p_value']
    >>> float(round(s.table.loc["alpha[a<-a]", "z"], 6))
    2.5
    """

    table: pd.DataFrame
    header: dict[str, Any]

    def __str__(self) -> str:
        width = 78
        lines = ["=" * width]
        items = list(self.header.items())
        for k, v in items:
            if isinstance(v, float):
                v = f"{v:,.4f}"
            lines.append(f"{k + ':':<22}{v}")
        lines.append("-" * width)
        with pd.option_context(
            "display.width", width, "display.max_columns", 10, "display.max_rows", 500
        ):
            lines.append(self.table.to_string(float_format=lambda x: f"{x:.4g}"))
        lines.append("=" * width)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(
            f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in self.header.items()
        )
        body = self.table.to_html(float_format=lambda x: f"{x:.4g}")
        return f"<table>{head}</table>{body}"

    def to_latex(self) -> str:
        """Return the parameter table as a LaTeX tabular."""
        return self.table.to_latex(float_format="%.4g")

    def to_markdown(self) -> str:
        """Return header and table as GitHub markdown (no extra dependency)."""
        cols = ["parameter", *self.table.columns]
        out = [
            "| " + " | ".join(cols) + " |",
            "|" + "---|" * len(cols),
        ]
        for name, row in self.table.iterrows():
            cells = [f"{v:.4g}" for v in row.to_numpy(dtype=float)]
            out.append("| " + " | ".join([str(name), *cells]) + " |")
        return "\n".join(out)


@dataclasses.dataclass(frozen=True)
class FitResult:
    """Estimates, their covariance and fit statistics of one fitted model.

    Parameters
    ----------
    params : pandas.Series
        Estimates indexed by readable names such as ``mu[strike]`` and
        ``alpha[attack<-strike]`` (effect of ``strike`` on ``attack``).
    cov_params : pandas.DataFrame
        Covariance of the estimates (inverse observed information); NaN where
        the Hessian could not be inverted. Parameters held fixed have NaN rows.
    log_likelihood, aic, bic : float
        Maximised log-likelihood and information criteria
        (``aic = 2k - 2 ll``, ``bic = k log(n_obs) - 2 ll``).
    n_events, n_nodes : int
        Number of events and of nodes.
    end_time : float
        Length of the observation window (days, or bins for binned models).
    converged : bool
        Whether the optimiser reported success.
    optimizer_info : dict
        Optimiser messages, iterations, number of starts.
    model_repr : str
        ``repr`` of the estimator that produced this result.
    n_obs : int
        Sample size used in the BIC.
    k_params : int
        Number of free (estimated) parameters.
    hypothesis : str
        Null hypothesis behind ``z`` and ``p_value``.
    data_fingerprint : str or None
        Event-store fingerprint of the data, when known.
    version : str
        titfortat version that produced the result.
    bootstrap_draws : pandas.DataFrame or None
        Parametric bootstrap estimates (one row per draw), if computed.

    Examples
    --------
    >>> import pandas as pd
    >>> r = FitResult.from_estimates(
    ...     params=pd.Series([2.0], index=["mu[a]"]), cov_params=[[0.25]],
    ...     log_likelihood=-5.0, n_obs=10, n_events=10, n_nodes=1,
    ...     end_time=5.0, model_repr="Toy()")
    >>> r.aic
    12.0
    >>> r.conf_int(0.05).round(3)
           ci_lower  ci_upper
    mu[a]      1.02      2.98
    >>> FitResult.from_dict(r.to_dict()).params.equals(r.params)
    True
    """

    params: pd.Series
    cov_params: pd.DataFrame
    log_likelihood: float
    aic: float
    bic: float
    n_events: int
    n_nodes: int
    end_time: float
    converged: bool
    optimizer_info: dict[str, Any]
    model_repr: str
    n_obs: int
    k_params: int
    hypothesis: str = "parameter = 0 (Wald z)"
    data_fingerprint: str | None = None
    version: str = dataclasses.field(default_factory=_package_version)
    bootstrap_draws: pd.DataFrame | None = None

    @classmethod
    def from_estimates(
        cls,
        *,
        params: pd.Series,
        cov_params: Any,
        log_likelihood: float,
        n_obs: int,
        n_events: int,
        n_nodes: int,
        end_time: float,
        model_repr: str,
        k_params: int | None = None,
        converged: bool = True,
        optimizer_info: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> FitResult:
        """Build a result, computing AIC and BIC from ``k_params``."""
        names = list(params.index)
        cov = pd.DataFrame(
            np.asarray(cov_params, dtype=float), index=names, columns=names
        )
        k = len(names) if k_params is None else int(k_params)
        ll = float(log_likelihood)
        return cls(
            params=params.astype(float),
            cov_params=cov,
            log_likelihood=ll,
            aic=2.0 * k - 2.0 * ll,
            bic=k * math.log(max(n_obs, 1)) - 2.0 * ll,
            n_events=int(n_events),
            n_nodes=int(n_nodes),
            end_time=float(end_time),
            converged=bool(converged),
            optimizer_info=dict(optimizer_info or {}),
            model_repr=model_repr,
            n_obs=int(n_obs),
            k_params=k,
            **kwargs,
        )

    @functools.cached_property
    def std_err(self) -> pd.Series:
        """Standard errors: square roots of the covariance diagonal."""
        d = np.diag(self.cov_params.to_numpy(dtype=float)).copy()
        d[d < 0] = np.nan
        return pd.Series(np.sqrt(d), index=self.params.index, name="std_err")

    @functools.cached_property
    def zvalues(self) -> pd.Series:
        """Wald statistics ``estimate / std_err``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.params / self.std_err).rename("z")

    @functools.cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of the Wald statistics."""
        p = 2.0 * special.ndtr(-np.abs(self.zvalues.to_numpy(dtype=float)))
        return pd.Series(p, index=self.params.index, name="p_value")

    def conf_int(
        self,
        alpha: float = 0.05,
        method: Literal["wald", "bootstrap"] = "wald",
    ) -> pd.DataFrame:
        """Confidence intervals at level ``1 - alpha``.

        Parameters
        ----------
        alpha : float, default 0.05
            One minus the coverage level.
        method : {"wald", "bootstrap"}, default "wald"
            Wald intervals from the observed information, or percentile
            intervals from stored parametric-bootstrap draws (see the model's
            ``bootstrap`` method). Profile-likelihood intervals need the data
            and are computed by the model's ``profile_conf_int``.

        Returns
        -------
        pandas.DataFrame
            Columns ``ci_lower, ci_upper`` indexed by parameter name.
        """
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"The 'alpha' argument must be in (0, 1). Got {alpha!r}.")
        if method == "wald":
            q = special.ndtri(1.0 - alpha / 2.0)
            lo = self.params - q * self.std_err
            hi = self.params + q * self.std_err
        elif method == "bootstrap":
            if self.bootstrap_draws is None:
                raise ValueError(
                    "method='bootstrap' needs bootstrap draws, and this result has "
                    "none. Call the model's bootstrap(n_boot=...) first and use the "
                    "result it returns."
                )
            lo = self.bootstrap_draws.quantile(alpha / 2.0)
            hi = self.bootstrap_draws.quantile(1.0 - alpha / 2.0)
        else:
            raise ValueError(
                "The 'method' argument of conf_int must be one of {'bootstrap', "
                f"'wald'}}. Got {method!r} instead. For profile-likelihood intervals "
                "call the model's profile_conf_int()."
            )
        return pd.DataFrame(
            {"ci_lower": lo.to_numpy(float), "ci_upper": hi.to_numpy(float)},
            index=self.params.index,
        )

    @property
    def not_estimable(self) -> str | None:
        """Why the intervals and tests of this fit are not valid (None when
        they are): the optimiser did not converge, or standard errors of
        estimated parameters could not be computed (a singular or indefinite
        observed information). Parameters held fixed are not counted, nor
        estimates on their bound whose standard errors were left out so that
        the others could be computed (``optimizer_info["no_se_at_bound"]``;
        see :attr:`at_bound_note`).

        Examples
        --------
        >>> import pandas as pd
        >>> r = FitResult.from_estimates(
        ...     params=pd.Series([1.0], index=["mu[a]"]), cov_params=[[float("nan")]],
        ...     log_likelihood=-1.0, n_obs=5, n_events=5, n_nodes=1, end_time=1.0,
        ...     model_repr="Toy()")
        >>> r.not_estimable
        '1 of 1 standard errors could not be computed'
        """
        reasons = []
        if not self.converged:
            health = self.optimizer_info.get("health") or [
                str(self.optimizer_info.get("message", "no reason recorded"))
            ]
            reasons.append("the fit did not converge (" + "; ".join(health) + ")")
        n_fixed = len(self.params) - self.k_params
        n_bound = len(self.optimizer_info.get("no_se_at_bound", []))
        n_nan = int(self.std_err.isna().sum()) - n_fixed - n_bound
        if n_nan > 0:
            reasons.append(
                f"{n_nan} of {self.k_params} standard errors could not be computed"
            )
        return "; ".join(reasons) if reasons else None

    @property
    def at_bound_note(self) -> str | None:
        """Which estimates sit on their bound without a Wald interval (their
        standard errors were left out so the others could be computed; test
        them with ``lr_test``), or None."""
        names = self.optimizer_info.get("no_se_at_bound", [])
        if not names:
            return None
        return (
            f"{len(names)} estimate{'s' * (len(names) != 1)} on a bound without a "
            f"Wald interval ({', '.join(map(str, names))}): test with lr_test"
        )

    def summary(self, alpha: float = 0.05) -> Summary:
        """Return a :class:`Summary` with ``1 - alpha`` Wald intervals.

        A fit that is not estimable (:attr:`not_estimable`) shows its
        estimates with no intervals, statistics or p-values, and the reason
        in the header; estimates on a bound without a standard error are
        named there too (:attr:`at_bound_note`)."""
        ci = self.conf_int(alpha)
        table = pd.DataFrame(
            {
                "estimate": self.params,
                "std_err": self.std_err,
                "ci_lower": ci["ci_lower"],
                "ci_upper": ci["ci_upper"],
                "z": self.zvalues,
                "p_value": self.pvalues,
            }
        )[_COLUMNS]
        table.attrs["alpha"] = alpha
        why = self.not_estimable
        if why is not None:
            table[["std_err", "ci_lower", "ci_upper", "z", "p_value"]] = np.nan
        header = {
            "model": self.model_repr,
            "data": self.data_fingerprint or "in-memory events",
            "n events": self.n_events,
            "n nodes": self.n_nodes,
            "end time": self.end_time,
            "log-likelihood": self.log_likelihood,
            "AIC": self.aic,
            "BIC": self.bic,
            "converged": self.converged,
            "estimable": (
                f"NO: {why}"
                if why is not None
                else "yes"
                if self.at_bound_note is None
                else f"yes, but {self.at_bound_note}"
            ),
            "hypothesis tested": self.hypothesis,
            "CI level": f"{100 * (1 - alpha):g}% (Wald)",
        }
        return Summary(table=table, header=header)

    def __str__(self) -> str:
        return str(self.summary())

    def to_dict(self) -> dict[str, Any]:
        """Serialise to plain JSON-compatible Python types."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, pd.Series):
                v = {"index": list(map(str, v.index)), "values": v.tolist()}
            elif isinstance(v, pd.DataFrame):
                v = {
                    "index": list(map(str, v.index)),
                    "columns": list(map(str, v.columns)),
                    "values": v.to_numpy(dtype=float).tolist(),
                }
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FitResult:
        """Rebuild a result written by :meth:`to_dict`."""
        d = dict(data)
        p = d["params"]
        d["params"] = pd.Series(p["values"], index=p["index"], dtype=float)
        for key in ("cov_params", "bootstrap_draws"):
            v = d.get(key)
            if v is not None:
                d[key] = pd.DataFrame(
                    v["values"], index=v["index"], columns=v["columns"]
                )
        return cls(**d)
