"""Submission intake: unpack what a student handed in, locate the graded code (the
assignment's package or one module), check the deliverables that go with it, and scan it for
imports other than NumPy and the standard library.

The sandbox worker imports ``is_allowed`` in every case process, so the archive and copy
machinery (zipfile, tarfile, ...) is imported only when first used.
"""
from .imports import (ALLOWED_THIRD_PARTY, imported_modules, is_allowed, own_module_names,
                      scan_imports)

_LAZY = {
    "SubmissionError": "unpack", "ArchiveLimits": "unpack", "extract_archive": "unpack",
    "LocatedSubmission": "locate", "prepare": "locate",
}

__all__ = ["ALLOWED_THIRD_PARTY", "imported_modules", "is_allowed", "own_module_names",
           "scan_imports", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
