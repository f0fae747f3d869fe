"""Argument validation shared by every public function of canon.

Each check raises with one message shape: what was given, what was expected.
"""

import numbers

import numpy as np


def fail(name, expected, got, error=ValueError):
    """Raise ``error`` with the book's standard message."""
    raise error(f"{name}: expected {expected}, got {got}")


def integer(name, value, minimum=None, maximum=None):
    """Return ``value`` as an int, checking its type and range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        fail(name, "an integer", repr(value), TypeError)
    value = int(value)
    if minimum is not None and value < minimum:
        fail(name, f"an integer >= {minimum}", value)
    if maximum is not None and value > maximum:
        fail(name, f"an integer <= {maximum}", value)
    return value


def real(name, value, minimum=None, maximum=None, strict_minimum=False):
    """Return ``value`` as a finite float, checking its range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        fail(name, "a real number", repr(value), TypeError)
    value = float(value)
    if not np.isfinite(value):
        fail(name, "a finite number", value)
    if minimum is not None:
        if strict_minimum and value <= minimum:
            fail(name, f"a number > {minimum}", value)
        if not strict_minimum and value < minimum:
            fail(name, f"a number >= {minimum}", value)
    if maximum is not None and value > maximum:
        fail(name, f"a number <= {maximum}", value)
    return value


def array(name, value, ndim=None, shape=None, finite=True, dtype=np.float64):
    """Return ``value`` as an array of ``dtype``, checking dimensions and finiteness.

    ``shape`` may hold ``None`` for axes of any length.
    """
    if np.iscomplexobj(value) and not np.issubdtype(np.dtype(dtype), np.complexfloating):
        fail(name, "real values", "complex values", TypeError)
    try:
        result = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        fail(name, f"an array of {np.dtype(dtype).name}", type(value).__name__, TypeError)
    if ndim is not None and result.ndim != ndim:
        fail(name, f"an array with {ndim} dimension(s)", f"shape {result.shape}")
    if shape is not None:
        if result.ndim != len(shape) or any(
            want is not None and want != have for want, have in zip(shape, result.shape)
        ):
            wanted = ", ".join("any" if s is None else str(s) for s in shape)
            wanted = f"({wanted},)" if len(shape) == 1 else f"({wanted})"
            fail(name, f"shape {wanted}", f"shape {result.shape}")
    if finite and not np.all(np.isfinite(result)):
        bad = int(np.size(result) - np.count_nonzero(np.isfinite(result)))
        fail(name, "finite values", f"{bad} NaN or infinite entr{'y' if bad == 1 else 'ies'}")
    return result


def points_in_cube(name, value, d):
    """Return a (T, d) float array of points of U = [0, 1]^d."""
    x = array(name, value, ndim=2, shape=(None, d))
    if x.shape[0] == 0:
        fail(name, "at least one point", "an empty array")
    if np.any(x < 0) or np.any(x > 1):
        fail(name, "points in U = [0, 1]^d", f"coordinates in [{x.min():.3g}, {x.max():.3g}]")
    return x


def choice(name, value, choices):
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        fail(name, "one of " + ", ".join(repr(c) for c in choices), repr(value))
    return value
