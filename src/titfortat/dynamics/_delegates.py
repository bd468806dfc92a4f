"""``summary`` and ``conf_int``: the thin delegates to ``results_`` that every
dynamics estimator offers (STYLE section 2), written once."""

from __future__ import annotations

from typing import Any

import pandas as pd

from titfortat._validation import check_is_fitted
from titfortat.results import FitResult, Summary


class ResultsDelegates:
    """Mixin: statistical output stays in ``results_``; the model forwards."""

    results_: FitResult

    def summary(self, alpha: float = 0.05) -> Summary:
        """Parameter table; see :meth:`titfortat.results.FitResult.summary`."""
        check_is_fitted(self)
        return self.results_.summary(alpha)

    def conf_int(self, alpha: float = 0.05, method: str = "wald") -> pd.DataFrame:
        """Confidence intervals: ``"wald"``, ``"bootstrap"`` (draws stored by
        ``bootstrap()``) or ``"profile"`` (models with ``profile_conf_int``)."""
        check_is_fitted(self)
        if method == "profile":
            profile: Any = getattr(self, "profile_conf_int", None)
            if profile is None:
                raise ValueError(
                    f"{type(self).__name__} has no profile-likelihood intervals; "
                    "use lr_test, or conf_int(method='bootstrap') on the result "
                    "of bootstrap()."
                )
            out: pd.DataFrame = profile(alpha=alpha)
            return out
        return self.results_.conf_int(alpha, method=method)  # type: ignore[arg-type]
