"""Run student code in a separate, limited process; only plain float arrays come back.

Its names are imported when first used: the worker imports ``autograder.sandbox.confine`` and
``student`` through this package, and `grade` starts the worker (``prestart``) before the
rest of the grader; neither should pay for the runner's imports (subprocess, the npz reader,
the policy's dataclasses) on the way.
"""
__all__ = ["Limits", "CaseOutcome", "run_cases"]


def __getattr__(name: str):
    if name == "Limits":
        from autograder.policy import Limits
        return Limits
    if name in ("CaseOutcome", "run_cases"):
        from autograder.sandbox import runner
        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
