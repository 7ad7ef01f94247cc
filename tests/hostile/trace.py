"""What each case of an assignment really runs of the student's code, found by running it on the
solution in process with every function and method of the solution's package recording its
calls. The hostile suite checks each assignment's hand-written ``api_names`` against this, so
the containment expectations cannot drift from the scenarios.

A call is recorded as (owner, name): for a method, the class of the object it was called on
(``Sigmoid`` for an ``Activation.__init__`` run on a Sigmoid) and the method's name; for a
module-level function of the package, (None, its name). The assignment's hostile corpus turns
each into one of its API names with ``traced_name(owner, name)`` (None: not the student's).
"""
from __future__ import annotations

import contextlib
import functools
import inspect
from types import ModuleType


def _recording(calls: set, name: str, function, method: bool, qualified: bool = False):
    @functools.wraps(function)
    def record(*args, **kwargs):
        owner = None
        if method and args:
            cls = type(args[0])
            owner = f"{cls.__module__}.{cls.__name__}" if qualified else cls.__name__
        calls.add((owner, name))
        return function(*args, **kwargs)
    return record


@contextlib.contextmanager
def tracing(package: ModuleType):
    """Within the block, calls into the package's classes and functions (as its namespace
    exports them) are added to the yielded set; everything is restored afterwards."""
    calls: set[tuple[str | None, str]] = set()
    restore = []
    # A flat code folder (support.import_solution) is several modules: each is traced, and a
    # method's owner is named with its module ("mlp_numpy.MLP"), since two may share a name.
    flat = getattr(package, "__flat_modules__", None)
    for namespace in ([getattr(package, m) for m in flat] if flat else [package]):
        prefix = namespace.__name__
        for attr, value in list(vars(namespace).items()):
            if getattr(value, "__module__", "") is None or \
                    not str(getattr(value, "__module__", "")).startswith(prefix):
                continue
            if inspect.isclass(value):
                for name, member in list(vars(value).items()):
                    if inspect.isfunction(member):
                        restore.append((value, name, member))
                        setattr(value, name, _recording(calls, name, member, method=True,
                                                        qualified=bool(flat)))
            elif inspect.isfunction(value):
                restore.append((namespace, attr, value))
                setattr(namespace, attr, _recording(calls, attr, value, method=False))
    try:
        yield calls
    finally:
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)
