"""The toolkit for writing case families: contract errors that name the tensor, snapshots
taken the moment student code returns, partial results, private random streams.

Families run next to student code in the sandbox, so this imports nothing but NumPy.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np


class ContractError(Exception):
    """The student's code broke the graded contract: a value it returned, or an attribute the
    grader reads or writes, is missing or of the wrong kind. The message names it and says what
    the contract expects."""

    plain_message = True   # reported as it is, without the exception's type name


# Larger than any answer in these cases by orders of magnitude; a bigger returned array is
# refused before it is copied (the worker would refuse the result anyway).
MAX_ARRAY_BYTES = 64 * 1024 * 1024
MISSING = object()


def describe(value, detailed: bool = False) -> str:
    """A short, student-readable account of what a value is: "None", "a list of 0 items".
    ``detailed`` also names an array's dtype, a number's or boolean's value ("the int 3") and
    says "object" after a class name."""
    if value is MISSING:
        return "no such attribute"
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        dtype = f" and dtype {value.dtype}" if detailed else ""
        return f"an array of shape {shape_text(value.shape)}{dtype}"
    if detailed and isinstance(value, (bool, np.bool_)):
        return f"the boolean {bool(value)}"
    if detailed and isinstance(value, (int, float, np.number)):
        return f"the {type(value).__name__} {value!r}"
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of {len(value)} item{'s' * (len(value) != 1)}"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}{' object' if detailed else ''}"


def shape_text(shape) -> str:
    shape = tuple(int(n) for n in shape)
    return f"({', '.join(map(str, shape))}{',' if len(shape) == 1 else ''})"


def snapshot(value, name: str) -> np.ndarray:
    """A float64 copy of ``value``, taken NOW: call it on everything the student's code returns
    or exposes as an attribute, right away, before calling any further student method, so that
    a later call (a derivative() that overwrites self.state in place) cannot change what is
    graded. ``name`` is the tensor as students see it (``Layer.forward``, ``net.dW[1]``); junk
    (None, strings, objects, ragged lists) raises a ContractError naming it."""
    if value is None or value is MISSING or isinstance(value, (str, bytes, dict, set)):
        raise ContractError(f"{name}: expected an array of numbers, got {describe(value)}")
    try:
        array = np.asarray(value)  # no copy yet: a huge broadcast view is not duplicated
        if array.nbytes > MAX_ARRAY_BYTES:
            raise ContractError(f"{name}: the array is too large (shape "
                                f"{shape_text(array.shape)}; these cases need a few kB)")
        return np.array(array, dtype=np.float64, copy=True)
    except ContractError:
        raise
    except (TypeError, ValueError, OverflowError):
        raise ContractError(f"{name}: expected an array of numbers, got "
                            f"{describe(value)}") from None


def array_shape(value, name: str, expected: str, when: str) -> tuple:
    """The shape of an array the contract requires, or a ContractError naming it."""
    if value is None or value is MISSING or isinstance(value, (str, bytes, dict, set)):
        raise ContractError(f"{when}, {name} must be an array of shape {expected}; "
                            f"got {describe(value)}")
    try:
        return np.shape(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError, OverflowError):
        raise ContractError(f"{when}, {name} must be an array of shape {expected}; "
                            f"got {describe(value)}") from None


class Partial(Exception):
    """Raised by ``run`` to hand back the arrays computed before ``exc`` stopped the case."""

    def __init__(self, arrays: dict, exc: BaseException):
        super().__init__(str(exc))
        self.partial_arrays = arrays
        self.exc = exc


@contextmanager
def keeping_partial(arrays: dict):
    """Run a block that fills ``arrays``; if it fails after filling some, re-raise as Partial
    so that what was computed before the failure is still compared."""
    try:
        yield arrays
    except Exception as exc:
        if arrays:
            raise Partial(arrays, exc) from exc
        raise


def spread_inputs(rng: np.random.RandomState, shape, scale: float = 3.0, extreme: float = 0.0,
                  zeros: int = 0) -> np.ndarray:
    """Normal values of std ``scale``, shape ``shape``; with ``extreme``, about a quarter of the
    entries set to +-extreme (both signs always present); ``zeros`` entries set to exactly 0."""
    x = rng.standard_normal(tuple(shape)) * scale
    flat = x.reshape(-1)
    free = rng.permutation(flat.size)
    if extreme:
        count = max(2, flat.size // 4)
        flat[free[:count]] = extreme * np.where(np.arange(count) % 2 == 0, 1.0, -1.0)
        free = free[count:]
    flat[free[:zeros]] = 0.0
    return x


def case_rng(seed: int, stream: int = 0) -> np.random.RandomState:
    """A private generator for a case's data; never the global one (that one fixes weights)."""
    return random_state([int(seed), int(stream), 785])


def random_state(seed) -> np.random.RandomState:
    """The generator ``np.random.RandomState(seed)`` is (the same stream), made in a sixth of
    the time: that constructor first seeds from OS entropy, then throws the result away, which
    cost about 1 ms of every graded case (a case makes several)."""
    rng = np.random.RandomState(np.random.MT19937(_NO_ENTROPY))
    rng.seed(seed)
    return rng


class _NoEntropy(np.random.bit_generator.ISeedSequence):
    """A stand-in initial state for a generator that is re-seeded at once."""

    def generate_state(self, n_words, dtype=np.uint32):
        return np.zeros(n_words, dtype=dtype)


_NO_ENTROPY = _NoEntropy()


@contextmanager
def warnings_as_errors(what: str, advice: str = ""):
    """Floating-point warnings raised inside the block become errors naming ``what``, followed
    by ``advice``. The student's np.seterr settings are overridden for the block (underflow
    stays silent: exp of a large negative number is exactly 0, as it should be)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            try:
                yield
            except RuntimeWarning as exc:
                text = exc.args[0] if exc.args else type(exc).__name__
                exc.args = (f"{text}, in {what}{advice}",)
                raise
