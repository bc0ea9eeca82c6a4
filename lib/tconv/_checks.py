"""Argument checks shared by every public function.

Each check names the parameter and the rule it broke, so a reader who passes a bad
setting learns what to change. ``TypeError`` for a wrong kind of value, ``ValueError``
for a value of the right kind that breaks a rule.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a numeric (bool excluded) ndarray, or raise TypeError naming ``name``."""
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except ValueError as err:  # ragged nested lists
            raise TypeError(f"{name} must be a rectangular numeric array: {err}") from None
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(
            f"{name} must be a numeric array (integers or floats), got dtype {arr.dtype}"
        )
    return arr


def as_int(value, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking it is an integer ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        rule = "positive" if minimum == 1 else f"at least {minimum}"
        if minimum == 0:
            rule = "non-negative"
        raise ValueError(f"{name} must be {rule}, got {value}")
    return value


def as_tuple(value, name: str, n: int, minimum: int | None = None) -> tuple[int, ...]:
    """Return an int or a length-``n`` sequence of ints as an ``n``-tuple, each ≥ ``minimum``."""
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) != n:
            raise ValueError(f"{name} must be an integer or {n} integers, got {tuple(value)!r}")
        return tuple(as_int(v, name, minimum) for v in value)
    return (as_int(value, name, minimum),) * n


def check_ndim(arr: np.ndarray, name: str, allowed: tuple[int, ...], layout: str) -> None:
    """Raise ValueError unless ``arr.ndim`` is one of ``allowed``; ``layout`` describes them."""
    if arr.ndim not in allowed:
        raise ValueError(f"{name} must have shape {layout}, got {arr.ndim}-D shape {arr.shape}")


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype of a sum of products of ``arrays``: int64 for integers, else the float type."""
    dtype = np.result_type(*arrays)
    return np.dtype(np.int64) if np.issubdtype(dtype, np.integer) else dtype


def check_nonempty(arr: np.ndarray, name: str) -> None:
    """Raise ValueError if ``arr`` has a dimension of length 0."""
    if 0 in arr.shape:
        raise ValueError(f"{name} must not have an empty dimension, got shape {arr.shape}")
