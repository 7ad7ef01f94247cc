"""The similarity report (``python -m autograder similarity``): every pair of a class's
submissions compared with copydetect's winnowing fingerprints, the handout's lines left out.

Importing this package costs nothing: copydetect (an instructor-side tool) is imported only
when a report is made.
"""
from __future__ import annotations

__all__ = ["run_similarity", "SimilarityError", "DEFAULT_THRESHOLD", "DEFAULT_TOP"]


def __getattr__(name: str):
    if name in __all__:
        from . import run
        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
