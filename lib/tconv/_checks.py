"""Argument checks shared by every public function.

Each check names the parameter and the rule it broke, so a reader who passes a bad
setting learns what to change. ``TypeError`` for a wrong kind of value, ``ValueError``
for a value of the right kind that breaks a rule.

Integers. Wherever a setting is an int, a numpy integer scalar or a 0-d integer array
(``np.int64(2)``, ``np.array(2)``) is accepted too, as is anything else with ``__index__``
(a 0-d integer tensor); bools are not integers here.

Dtypes, the one rule every operation follows (:func:`result_dtype`):

- integers only (signed or unsigned, any width, mixed: ``int8 + uint16``, ``int64 + uint64``)
  compute in **int64** and give int64. An unsigned value too large for int64 (a uint64 of
  2**63 or more) raises ValueError instead of wrapping around; sums that overflow int64 wrap
  around, as in numpy and PyTorch integer arithmetic;
- with any float argument, the result is the **widest float among the float arguments**, and
  integer arguments are converted to it (``int64 + float32 -> float32``, as PyTorch's type
  promotion gives);
- bools, complex numbers and objects are refused (TypeError).

Sizes. Before an operation allocates an array whose size follows from its arguments, it calls
:func:`check_size`: an array larger than numpy can index, or than a quarter of this machine's
memory, is a ValueError that names the settings it follows from, raised at once.

Floating-point warnings. Operations run under :func:`quiet`: inf and NaN in the result speak
for themselves, so numpy's "invalid value encountered" warnings never reach the reader.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
import os

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


def _is_bool(value) -> bool:
    """Whether ``value`` is a bool of any kind: Python's, numpy's, or a 0-d bool array."""
    return isinstance(value, (bool, np.bool_)) or (
        isinstance(value, np.ndarray) and value.dtype == bool)


def as_int(value, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking it is an integer ≥ ``minimum``.

    Python and numpy integers, 0-d integer arrays and other objects with ``__index__`` are
    integers; bools, floats (even 2.0) and strings are not.
    """
    if type(value) is not int:  # the common case needs no further checks
        if _is_bool(value):
            raise TypeError(f"{name} must be an integer, got {value!r}")
        try:
            value = operator.index(value)
        except TypeError:
            raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and value < minimum:
        rule = "positive" if minimum == 1 else f"at least {minimum}"
        if minimum == 0:
            rule = "non-negative"
        raise ValueError(f"{name} must be {rule}, got {value}")
    return value


def as_real(value, name: str) -> float:
    """Return ``value`` as a Python float: a real number, numpy's or a 0-d array (bools are not)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    return float(value)


def is_sequence(value) -> bool:
    """Whether ``value`` is a list, tuple or array of at least one dimension (not a scalar)."""
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0)


def as_tuple(value, name: str, n: int, minimum: int | None = None) -> tuple[int, ...]:
    """Return an int or a length-``n`` sequence of ints as an ``n``-tuple, each ≥ ``minimum``."""
    if is_sequence(value):
        if len(value) != n:
            raise ValueError(f"{name} must be an integer or {n} integers, got {tuple(value)!r}")
        return tuple(as_int(v, name, minimum) for v in value)
    return (as_int(value, name, minimum),) * n


def check_ndim(arr: np.ndarray, name: str, allowed: tuple[int, ...], layout: str) -> None:
    """Raise ValueError unless ``arr.ndim`` is one of ``allowed``; ``layout`` describes them."""
    if arr.ndim not in allowed:
        raise ValueError(f"{name} must have shape {layout}, got {arr.ndim}-D shape {arr.shape}")


def check_nonempty(arr: np.ndarray, name: str, skip: int = 0) -> None:
    """Raise ValueError if a dimension of ``arr`` past the first ``skip`` has length 0.

    ``skip=1`` allows an empty batch, as PyTorch does: its result is empty too.
    """
    if 0 in arr.shape[skip:]:
        what = "an empty dimension" if not skip else "an empty dimension after the batch"
        raise ValueError(f"{name} must not have {what}, got shape {arr.shape}")


# Dtypes --------------------------------------------------------------------------------------

_INT64_MAX = np.iinfo(np.int64).max


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype an operation on ``arrays`` computes in (the module's rule): int64 or a float.

    int64 when every array holds integers (signed or unsigned, any width); otherwise the widest
    float among the float arrays, integers being converted to it.
    """
    floats = [a.dtype for a in arrays if np.issubdtype(a.dtype, np.floating)]
    return np.result_type(*floats) if floats else np.dtype(np.int64)


def as_dtype(arr: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
    """``arr`` in ``dtype`` (no copy if it is); a uint64 too large for int64 raises ValueError."""
    if (dtype == np.int64 and arr.dtype.kind == "u" and arr.dtype.itemsize == 8 and arr.size
            and int(arr.max()) > _INT64_MAX):
        raise ValueError(f"{name} holds {int(arr.max())}, more than int64 can hold "
                         f"({_INT64_MAX}): integer inputs compute in int64; convert {name} to "
                         f"float64 or to smaller values")
    return arr.astype(dtype, copy=False)


# Sizes ---------------------------------------------------------------------------------------

MEMORY_FRACTION = 4  # an array may take at most 1/MEMORY_FRACTION of the machine's memory
memory_budget_override: int | None = None  # bytes; tests set it to check the limit cheaply


@functools.lru_cache(maxsize=1)
def machine_memory() -> int:
    """Bytes of memory this process may use: the physical memory, or the container's limit."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: assume 8 GiB
        total = 8 << 30
    for limit_file in ("/sys/fs/cgroup/memory.max",
                       "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(limit_file) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def memory_budget() -> int:
    """The largest array, in bytes, an operation may allocate: a quarter of machine_memory()."""
    if memory_budget_override is not None:
        return memory_budget_override
    return machine_memory() // MEMORY_FRACTION


def format_bytes(nbytes: int) -> str:
    """``nbytes`` in the largest binary unit that keeps a number ≥ 1: '3.0 GiB'."""
    value = float(nbytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{nbytes} bytes" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


_INTP_MAX = int(np.iinfo(np.intp).max)


def check_size(shape, dtype, what: str, cause) -> None:
    """Raise ValueError, before allocating it, if an array of ``shape`` would not fit.

    Too large means more cells than numpy can index, or more bytes than memory_budget().
    ``what`` names the array ("conv_transpose2d's output"); ``cause`` (a string, or a function
    that makes it) says which settings its size follows from, so the reader knows what to
    change.
    """
    cells = math.prod(int(n) for n in shape)
    nbytes = cells * np.dtype(dtype).itemsize
    if nbytes <= memory_budget() and cells <= _INTP_MAX:
        return
    cause = cause() if callable(cause) else cause
    shape_text = "×".join(str(int(n)) for n in shape)
    if cells > _INTP_MAX:
        raise ValueError(f"{what} would have shape {shape_text}, {cells:.3g} cells: more than "
                         f"numpy can index; {cause}")
    budget = memory_budget()
    if nbytes > budget:
        raise ValueError(f"{what} would have shape {shape_text}, {format_bytes(nbytes)} of "
                         f"{np.dtype(dtype)}: more than a quarter of this machine's memory "
                         f"allows ({format_bytes(budget)}); {cause}")


def describe(**settings) -> str:
    """``name value`` for each setting, joined by commas: the settings a size follows from."""
    return ", ".join(f"{name} {_text(value)}" for name, value in settings.items())


def _text(value) -> str:
    """A setting as the reader passed it: pairs of equal values as one number, shapes with ×."""
    if isinstance(value, tuple):
        if len(set(value)) == 1 and len(value) <= 2:
            return str(value[0])
        return "(" + ", ".join(map(str, value)) + ")"
    return str(value)


# Floating-point warnings -------------------------------------------------------------------

def quiet(fn):
    """Run ``fn`` with numpy's floating-point warnings off (inf and NaN stay in the result)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return wrapper


def all_finite(*arrays: np.ndarray) -> bool:
    """Whether every float array holds only finite values; integer arrays always do.

    Its largest and smallest values tell (numpy's max and min keep NaN): two fast passes,
    which also bring the array into the cache for the work that follows. (A BLAS dot, one
    pass, measured ten times slower inside a convolution here.)
    """
    with np.errstate(all="ignore"):
        return all(not np.issubdtype(a.dtype, np.floating) or a.size == 0
                   or np.isfinite(a.max()) and np.isfinite(a.min()) for a in arrays)
