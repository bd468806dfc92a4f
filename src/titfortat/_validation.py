"""Parameter constraints, fitted-state checks and random-generator handling.

Estimators declare ``_parameter_constraints`` on the class (scikit-learn style)
and call :func:`validate_params` at the start of ``fit``; one message template
then covers every parameter of every estimator.

Examples
--------
>>> from numbers import Real
>>> Interval(Real, 0, None, closed="neither").is_satisfied_by(0.5)
True
>>> Options({"none", "l1"}).is_satisfied_by("l2")
False
>>> bool(as_generator(3).integers(10) == as_generator(3).integers(10))
True
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from numbers import Integral
from typing import Any, Literal, cast

import numpy as np

from titfortat.exceptions import NotFittedError

__all__ = [
    "BaseEstimator",
    "Interval",
    "Options",
    "as_generator",
    "check_is_fitted",
    "validate_params",
]


class Interval:
    """A numeric range constraint on a parameter.

    Parameters
    ----------
    type : type
        ``numbers.Real`` or ``numbers.Integral``; booleans are always rejected.
    left, right : float or None
        Bounds; ``None`` means unbounded on that side.
    closed : {"both", "left", "right", "neither"}, default "both"
        Which bounds are included.

    Examples
    --------
    >>> from numbers import Integral
    >>> str(Interval(Integral, 1, None))
    'an int in the range [1, inf)'
    """

    def __init__(
        self,
        type: type,
        left: float | None,
        right: float | None,
        *,
        closed: Literal["both", "left", "right", "neither"] = "both",
    ) -> None:
        self.type = type
        self.left = left
        self.right = right
        self.closed = closed

    def is_satisfied_by(self, value: Any) -> bool:
        """Return whether ``value`` has the right type and lies in the range."""
        if isinstance(value, bool | np.bool_) or not isinstance(value, self.type):
            return False
        value = cast(float, value)  # a Real or Integral from here on
        if not np.isfinite(float(value)) and not (
            (self.left is None and value < 0) or (self.right is None and value > 0)
        ):
            return False
        if self.left is not None:
            ok = (
                value >= self.left
                if self.closed in ("both", "left")
                else value > self.left
            )
            if not ok:
                return False
        if self.right is not None:
            ok = (
                value <= self.right
                if self.closed in ("both", "right")
                else value < self.right
            )
            if not ok:
                return False
        return True

    def __str__(self) -> str:
        kind = "an int" if self.type is Integral else "a float"
        lo = "-inf" if self.left is None else f"{self.left:g}"
        hi = "inf" if self.right is None else f"{self.right:g}"
        lb = "[" if self.closed in ("both", "left") and self.left is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{kind} in the range {lb}{lo}, {hi}{rb}"


class Options:
    """A closed set of allowed values (usually lower-case strings).

    Examples
    --------
    >>> str(Options({"b", "a"}))
    "one of {'a', 'b'}"
    """

    def __init__(self, options: Iterable[Any]) -> None:
        self.options = frozenset(options)

    def is_satisfied_by(self, value: Any) -> bool:
        """Return whether ``value`` is one of the options."""
        try:
            return value in self.options
        except TypeError:  # unhashable values are never options
            return False

    def __str__(self) -> str:
        inner = ", ".join(repr(o) for o in sorted(self.options, key=str))
        return f"one of {{{inner}}}"


def _constraint_str(c: Any) -> str:
    if c is None:
        return "None"
    if c == "rng":
        return "an int, a numpy.random.Generator or None"
    if c == "boolean":
        return "a bool"
    return str(c)


def _satisfies(c: Any, value: Any) -> bool:
    if c is None:
        return value is None
    if c == "rng":
        return value is None or (
            isinstance(value, Integral | np.random.Generator)
            and not isinstance(value, bool)
        )
    if c == "boolean":
        return isinstance(value, bool | np.bool_)
    return bool(c.is_satisfied_by(value))


def validate_params(
    constraints: dict[str, list[Any]], params: dict[str, Any], caller: str
) -> None:
    """Check ``params`` against ``constraints``; raise on the first violation.

    Parameters
    ----------
    constraints : dict
        Parameter name to a list of acceptable constraints (any one suffices).
        A constraint is an :class:`Interval`, :class:`Options`, ``None`` (the
        value ``None``), ``"rng"`` or ``"boolean"``.
    params : dict
        Parameter values.
    caller : str
        The class or function name used in the message.

    Raises
    ------
    ValueError
        If a value satisfies none of its constraints.

    Examples
    --------
    >>> validate_params({"k": [Interval(Integral, 1, None)]}, {"k": 0}, "F")
    Traceback (most recent call last):
    ...
    ValueError: The 'k' parameter of F must be an int in the range [1, inf). Got 0...
    """
    for name, allowed in constraints.items():
        if name not in params:
            continue
        value = params[name]
        if any(_satisfies(c, value) for c in allowed):
            continue
        text = " or ".join(_constraint_str(c) for c in allowed)
        raise ValueError(
            f"The {name!r} parameter of {caller} must be {text}. Got {value!r} instead."
        )


def check_is_fitted(
    estimator: Any, attributes: str | Iterable[str] = "results_"
) -> None:
    """Raise :class:`~titfortat.exceptions.NotFittedError` unless fitted.

    Parameters
    ----------
    estimator : object
        The estimator to check.
    attributes : str or iterable of str, default "results_"
        Attributes that ``fit`` sets.

    Examples
    --------
    >>> class M:
    ...     pass
    >>> check_is_fitted(M())
    Traceback (most recent call last):
    ...
    titfortat.exceptions.NotFittedError: This M instance is not fitted yet. ...
    """
    names = [attributes] if isinstance(attributes, str) else list(attributes)
    if not all(n in vars(estimator) for n in names):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' "
            "with appropriate data before using this method."
        )


def as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    """Normalise the single ``rng`` argument to a :class:`numpy.random.Generator`.

    Parameters
    ----------
    rng : int, numpy.random.Generator or None
        A seed, a generator (returned unchanged) or ``None`` (fresh entropy).

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> as_generator(g) is g
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(
        "The 'rng' argument must be an int, a numpy.random.Generator or None. "
        f"Got {rng!r} instead."
    )


class BaseEstimator:
    """Minimal scikit-learn compatible base: parameters, cloning and repr.

    ``__init__`` of subclasses stores keyword arguments unchanged;
    ``get_params``/``set_params`` read them back by signature, so
    :func:`sklearn.base.clone` works on every titfortat estimator.
    """

    _parameter_constraints: dict[str, list[Any]] = {}

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(p for p in sig.parameters if p != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters as a dict."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set constructor parameters; returns ``self``."""
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for {type(self).__name__}. "
                    f"Valid parameters are {sorted(valid)}."
                )
            setattr(self, key, value)
        return self

    def _validate_params(self) -> None:
        validate_params(
            self._parameter_constraints, self.get_params(), type(self).__name__
        )

    def _fit_status(self) -> str:
        return "not fitted"

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: a learned attribute (trailing
        # underscore) read before ``fit`` raises NotFittedError, not a bare
        # AttributeError, so every estimator reports it the same way.
        if name.endswith("_") and not name.startswith("__"):
            check_is_fitted(self, name)
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def _repr_params(self) -> str:
        """``Class(non-default params)`` without the fit status."""
        sig = inspect.signature(type(self).__init__)
        parts = []
        for name, p in sig.parameters.items():
            if name == "self":
                continue
            value = getattr(self, name)
            default = p.default
            same = value is default
            if not same:
                try:
                    same = bool(value == default)
                except (TypeError, ValueError):
                    same = False
            if not same:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __repr__(self) -> str:
        return f"{self._repr_params()} [{self._fit_status()}]"
