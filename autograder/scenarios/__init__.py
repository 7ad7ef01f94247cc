"""Case families: where an assignment's are, and how they are loaded.

An assignment's families are the modules of its ``grading/scenarios/`` folder, one per family
(docs/design.md, "Scenarios"). Each has a worker-side ``run(api, params)`` that drives the
student's code and returns named float arrays, and an optional trusted-side
``check(got, expected, params)``. Families may import each other relatively
(``from .common import ...``) and the engine's toolkit (``autograder.scenarios.toolkit``);
they run next to student code, so they import nothing but NumPy and the standard library.

The folder is loaded as a package of its own name (``ScenarioSource.package``) in the trusted
process and, from a copy, in the sandbox worker. This module imports no NumPy.
"""
from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ScenarioSource:
    """An assignment's case families: the folder, and the package name they are imported as."""
    folder: Path
    package: str

    @classmethod
    def of(cls, assignment: str, folder: Path) -> "ScenarioSource":
        # Never a name a submission would use for a module of its own.
        return cls(Path(folder), f"_grader_scenarios_{assignment}")

    def family(self, name: str) -> types.ModuleType:
        return get_family(self.folder, self.package, name)


def get_family(scenarios_dir: Path | str, package: str, name: str) -> types.ModuleType:
    """The family module ``name`` of the folder ``scenarios_dir``, imported as
    ``package.name``; KeyError naming the known families otherwise."""
    folder = Path(scenarios_dir)
    module = sys.modules.get(package)
    if module is None or list(getattr(module, "__path__", [])) != [str(folder)]:
        module = types.ModuleType(package, f"case families of {folder}")
        module.__path__ = [str(folder)]
        sys.modules[package] = module
        for stale in [n for n in sys.modules if n.startswith(package + ".")]:
            del sys.modules[stale]
    if not name.isidentifier() or not (folder / f"{name}.py").is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.py")
                                 if not p.stem.startswith("_")))
        raise KeyError(f"unknown case family {name!r}; known: {known}")
    return importlib.import_module(f"{package}.{name}")
