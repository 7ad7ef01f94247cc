"""Trusted side: where the third-party libraries a policy allows live, and what they import.

The sandbox's importable site holds links to exactly these folders: each allowed library, and
every library it depends on (its distribution's requirements, followed to the end), so that it
imports whatever it needs. Only the allowed ones may be imported by the submission itself; the
rest are reachable from the libraries' own code alone (autograder/sandbox/student.py).
Nothing is imported here: locations come from import specs and distribution metadata.
"""
from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class LibrarySite:
    paths: tuple[Path, ...]          # folders and files to link into the site, by their name
    reachable: frozenset[str]        # top-level names the allowed libraries bring with them


def library_site(libraries: tuple[str, ...]) -> LibrarySite:
    """The site of ``libraries`` (top-level names, sorted), found on this process's sys.path. A
    library that is not installed contributes nothing (its import then fails in the case, as a
    missing module)."""
    return _site(libraries, tuple(sys.path))


@lru_cache(maxsize=16)
def _site(libraries: tuple[str, ...], search_path: tuple[str, ...]) -> LibrarySite:
    paths: dict[str, Path] = {}
    reachable: set[str] = set()
    seen: set[Path] = set()
    installed = _installed_distributions(search_path)
    pending = [installed[key] for key in map(_normalised, libraries) if key in installed]
    for name in libraries:
        _add_location(name, paths, reachable)
    while pending:
        info = pending.pop()
        if info in seen:
            continue
        seen.add(info)
        paths.setdefault(info.name, info)   # importlib.metadata reads it
        for top in _top_level_names(info):
            _add_location(top, paths, reachable)
        # auditwheel names the folder of repaired shared libraries after the distribution
        # (pillow.libs beside PIL/, scikit_learn.libs beside sklearn/): PIL loads libtiff from it.
        native = info.parent / f"{info.name.partition('-')[0]}.libs"
        if native.is_dir():
            paths.setdefault(native.name, native.resolve())
        for requirement in _requirements(info):
            match = _REQUIREMENT_NAME.match(requirement)
            if match and _normalised(match[1]) in installed:
                pending.append(installed[_normalised(match[1])])
    return LibrarySite(tuple(paths[k] for k in sorted(paths)), frozenset(reachable))


def _add_location(top: str, paths: dict[str, Path], reachable: set[str]) -> None:
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return
    if spec is None:
        return
    if spec.submodule_search_locations:
        locations = [Path(p) for p in spec.submodule_search_locations]
    elif spec.origin and spec.has_location:
        locations = [Path(spec.origin)]
    else:
        return   # built in or frozen: part of the interpreter
    reachable.add(top)
    for location in locations:
        location = location.resolve()
        paths.setdefault(location.name, location)
        # Shared libraries that wheels repaired by auditwheel keep beside the package.
        native = location.with_name(f"{top}.libs")
        if native.is_dir():
            paths.setdefault(native.name, native)


# Distribution metadata is read by hand: importlib.metadata alone takes ~40 ms to import, more
# than a whole case, on every grading.
@lru_cache(maxsize=4)
def _installed_distributions(search_path: tuple[str, ...]) -> dict[str, Path]:
    """{normalised distribution name: its .dist-info folder} on ``search_path`` (first one wins)."""
    found: dict[str, Path] = {}
    for entry in search_path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                found.setdefault(_normalised(name[:-len(".dist-info")].partition("-")[0]),
                                 Path(entry or ".", name).resolve())
    return found


def _requirements(info: Path) -> list[str]:
    """The Requires-Dist lines of a distribution's METADATA, optional extras left out."""
    try:
        text = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    headers = text.split("\n\n", 1)[0]
    return [line.partition(":")[2] for line in headers.splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line.partition(";")[2]]


def _top_level_names(info: Path) -> list[str]:
    try:
        text = (info / "top_level.txt").read_text(encoding="utf-8", errors="replace")
        return [line.strip() for line in text.splitlines() if line.strip().isidentifier()]
    except OSError:
        pass
    try:
        record = (info / "RECORD").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    names = set()
    for line in record.splitlines():
        first = line.partition(",")[0].split("/")[0]
        first = first[:-3] if first.endswith(".py") else first
        if first.isidentifier() and not first.startswith("__"):
            names.add(first)
    return sorted(names)


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
