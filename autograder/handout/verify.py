"""Run a built handout as a student's interpreter would: its packages import, and every stub
the stripper made raises NotImplementedError.

This file is a stand-alone program: ``verify_in_fresh_interpreter`` runs it by path with
``python -I -B`` (isolated: no user site, no PYTHON* variables, neither the kit nor this folder
on sys.path), so that nothing of the kit can stand in for a missing handout file. It imports
only the standard library and prints one JSON list of problems.

    python -I -B verify.py HANDOUT_DIR '["pkg", ...]' '[["pkg.module", "Class.method"], ...]' \
        ['["code", ...]']

The optional last argument names handout folders put on sys.path before the handout itself
(flat code folders, whose modules import each other by absolute name).
"""
from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import traceback
from pathlib import Path
from unittest import mock

TIMEOUT_SECONDS = 30


def verify_in_fresh_interpreter(handout_dir: Path, packages, stubbed, paths=()) -> list[str]:
    """The problems found in ``handout_dir`` (empty: all is well). ``stubbed`` holds
    (module, qualname) pairs; ``paths``, handout folders importable by their modules' names."""
    command = [sys.executable, "-I", "-B", str(Path(__file__).resolve()), str(handout_dir),
               json.dumps(list(packages)), json.dumps([list(pair) for pair in stubbed]),
               json.dumps(list(paths))]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    try:
        done = subprocess.run(command, cwd=handout_dir, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return [f"importing the handout or calling its stubs took over {TIMEOUT_SECONDS} s"]
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [f"verification interpreter failed: {tail}"]


# ------------------------------------------------------------------------- in the fresh interpreter

def last_line(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def import_problems(packages: list[str]) -> list[str]:
    """Import each package and every submodule but __main__."""
    problems = []
    for package in packages:
        try:
            module = importlib.import_module(package)
        except BaseException as exc:
            problems.append(f"import {package} fails: {last_line(exc)}")
            continue
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), package + "."):
            if info.name.rsplit(".", 1)[-1] == "__main__":
                continue
            try:
                importlib.import_module(info.name)
            except BaseException as exc:
                problems.append(f"import {info.name} fails: {last_line(exc)}")
    return problems


def stand_in_instance(cls: type):
    """An instance of ``cls`` without running __init__, whose missing attributes are mocks."""
    permissive = type(cls.__name__, (cls,), {"__getattr__": lambda self, name: mock.MagicMock()})
    return object.__new__(permissive)


def bound_callable(module_name: str, qualname: str):
    """The function, method (bound to a stand-in), property getter or static/class method."""
    owner = importlib.import_module(module_name)
    parts = qualname.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    name = parts[-1]
    if not isinstance(owner, type):
        return getattr(owner, name)
    raw = inspect.getattr_static(owner, name)
    if isinstance(raw, staticmethod):
        return raw.__func__
    if isinstance(raw, classmethod):
        return getattr(owner, name)
    instance = stand_in_instance(owner)
    if isinstance(raw, property):
        return lambda: raw.fget(instance)
    return raw.__get__(instance, owner)


def argument_sets(function) -> list[tuple[tuple, dict]]:
    """Mock arguments: the required parameters only, then every named parameter."""
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return [((), {})]
    wanted = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    required = [p for p in wanted if p.default is p.empty]
    sets = []
    for chosen in (required, wanted):
        args = tuple(mock.MagicMock() for p in chosen if p.kind == p.POSITIONAL_ONLY)
        kwargs = {p.name: mock.MagicMock() for p in chosen if p.kind != p.POSITIONAL_ONLY}
        sets.append((args, kwargs))
    return sets


def stub_problems(stubbed: list[list[str]]) -> list[str]:
    """Every stub must raise NotImplementedError for at least one set of arguments."""
    problems = []
    for module_name, qualname in stubbed:
        label = f"{module_name}.{qualname}"
        try:
            function = bound_callable(module_name, qualname)
        except BaseException as exc:
            problems.append(f"{label}: cannot be reached: {last_line(exc)}")
            continue
        outcomes = []
        for args, kwargs in argument_sets(function):
            try:
                function(*args, **kwargs)
                outcomes.append("returned normally")
            except NotImplementedError:
                outcomes = None
                break
            except BaseException as exc:
                outcomes.append(last_line(exc))
        if outcomes is not None:
            problems.append(f"{label}: stub does not raise NotImplementedError ({outcomes[-1]})")
    return problems


def main(argv: list[str]) -> int:
    handout, packages, stubbed = argv[0], json.loads(argv[1]), json.loads(argv[2])
    sys.path.insert(0, handout)
    for folder in reversed(json.loads(argv[3]) if len(argv) > 3 else []):
        sys.path.insert(0, os.path.join(handout, folder))
    problems = import_problems(packages)
    problems += stub_problems(stubbed)
    print(json.dumps(problems))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
