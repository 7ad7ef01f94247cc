"""Submission intake: unpack what a student handed in, locate the graded code (the
assignment's package or one module), check the deliverables that go with it, and scan it for
imports its assignment's policy does not allow (autograder/policy.py).

The archive and copy machinery (zipfile, tarfile, ...) is imported only when first used.
"""
from .imports import (forbidden_by_file, imported_modules, is_allowed, notebook_imports,
                      own_module_names, scan_imports)

_LAZY = {
    "SubmissionError": "unpack", "ArchiveLimits": "unpack", "extract_archive": "unpack",
    "LocatedSubmission": "locate", "prepare": "locate",
}

__all__ = ["forbidden_by_file", "imported_modules", "is_allowed", "notebook_imports",
           "own_module_names",
           "scan_imports", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
