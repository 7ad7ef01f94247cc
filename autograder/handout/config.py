"""solution/<a>/handout.toml: what is specific to one assignment's handout (the student files
and the leak rules). What every distribution holds besides (engine, grading spec, visible
references) is autograder/distribution.py.

Paths in handout.toml are relative to the kit root, with "/" separators. Patterns are globs:
"*" and "?" stay inside one path segment, "**" crosses segments; a pattern without "/" matches
a file or folder name at any depth; a pattern that matches a folder covers everything inside.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import Assignment

CONFIG_NAME = "handout.toml"
DEBRIS = ["__pycache__", "*.pyc", ".pytest_cache", "outputs", ".ipynb_checkpoints", ".DS_Store"]


class BuildError(Exception):
    """A problem the instructor must fix; str() is the one-line `path:line: message`."""

    def __init__(self, where: str, message: str, line: int | None = None):
        location = f"{where}:{line}" if line is not None else where
        super().__init__(f"{location}: {message}")


@dataclass(frozen=True)
class Mapping:
    source: str   # kit-relative file or folder
    dest: str     # handout-relative place


@dataclass(frozen=True)
class Config:
    name: str                                  # the assignment
    root: Path                                 # the kit: the folder holding solution/ and data/
    where: str                                 # the config file, kit-relative
    maps: tuple[Mapping, ...]                  # the student files
    routes: tuple[Mapping, ...]                # where the distribution's grading/, data/ come from
    skip: tuple[str, ...]                      # build debris, never shipped
    instructor_only: tuple[str, ...]           # never shipped; the archive is scanned for them
    hidden_case_specs: tuple[str, ...]         # case names in these must appear nowhere
    import_packages: tuple[str, ...]           # imported from the built handout by verify.py
    leak_allow: tuple[tuple[str, tuple[str, ...]], ...]   # (normalised line, handout globs)
    public_sources: tuple[str, ...]            # sources whose unmarked lines are public
    # Handout folders put on sys.path before the handout itself (a flat code folder whose
    # modules import each other by absolute name); modules in them are named by their stem.
    import_paths: tuple[str, ...] = ()


def kit_root(assignment: Assignment) -> Path:
    """The kit holding the assignment: solution/<a>/ is two levels below it."""
    if assignment.solution_dir is None:
        raise BuildError(assignment.name, "has no solution/ folder here: a handout is built "
                         "from the kit, not from a distribution")
    return assignment.solution_dir.parent.parent


def load_config(assignment: Assignment) -> Config:
    """Parse solution/<a>/handout.toml, adding what every assignment keeps back (its case
    specs, mutation catalogue and hidden references) to the instructor-only list."""
    root = kit_root(assignment)
    path = assignment.solution_dir / CONFIG_NAME
    where = path.relative_to(root).as_posix()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(where, "missing (it says which student files the handout "
                         "holds)") from None
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(where, f"not valid TOML: {exc}") from None

    def strings(key: str, table: dict = data) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BuildError(where, f"'{key}' must be a list of strings")
        return tuple(value)

    maps = []
    for entry in data.get("map", []):
        if not isinstance(entry.get("from"), str) or not isinstance(entry.get("to"), str):
            raise BuildError(where, "every [[map]] needs string 'from' and 'to'")
        maps.append(Mapping(entry["from"].strip("/"), entry["to"].strip("/")))
    if not maps:
        raise BuildError(where, "no [[map]] entries: no student file would be shipped")
    leak_allow = []
    for entry in data.get("leak_allow", []):
        if not isinstance(entry.get("line"), str) or not entry.get("reason"):
            raise BuildError(where, "every [[leak_allow]] needs a 'line' and a 'reason'")
        leak_allow.append((normalise(entry["line"]), strings("files", entry)))

    def rel(p: Path) -> str:
        return p.relative_to(root).as_posix() if p.is_relative_to(root) else p.as_posix()

    kept_back = (rel(assignment.cases_dir), rel(assignment.mutants_path),
                 rel(assignment.data_dir / "hidden"))
    hidden_specs = (rel(assignment.cases_dir / "hidden.toml"),)
    routes = (Mapping(rel(assignment.spec_dir), "grading"),
              Mapping(rel(assignment.data_dir), "data"))
    return Config(name=assignment.name, root=root, where=where, maps=tuple(maps), routes=routes,
                  skip=tuple(DEBRIS) + strings("skip"),
                  instructor_only=kept_back + strings("instructor_only"),
                  hidden_case_specs=hidden_specs,
                  import_packages=strings("import", data.get("verify", {}))
                  or (assignment.shape.package,),
                  import_paths=strings("path", data.get("verify", {})),
                  leak_allow=tuple(leak_allow),
                  public_sources=strings("public_sources", data.get("leak_check", {})))


def normalise(line: str) -> str:
    """Whitespace-insensitive form of a line, as the leak scan compares them."""
    return " ".join(line.split())


def glob_to_regex(pattern: str) -> re.Pattern:
    """'*' stays inside one path segment, '**' crosses segments, '?' is one character."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches_any(rel_path: str, patterns) -> bool:
    """True if the path, or a folder above it, matches a pattern. A pattern without '/'
    matches a file or folder name at any depth."""
    parts = rel_path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    for pattern in patterns:
        regex = glob_to_regex(pattern.strip("/"))
        candidates = parts if "/" not in pattern.strip("/") else prefixes
        if any(regex.match(candidate) for candidate in candidates):
            return True
    return False


def plan_files(config: Config) -> list[tuple[str, str]]:
    """(kit path, handout path) of every student file that ships, sorted by kit path."""
    planned: dict[str, str] = {}
    for mapping in config.maps:
        source = config.root / mapping.source
        if not source.exists():
            raise BuildError(config.where, f"map source '{mapping.source}' does not exist")
        if source.is_file():
            pairs = [(mapping.source, mapping.dest)]
        else:
            pairs = [(f"{mapping.source}/{rel}", f"{mapping.dest}/{rel}")
                     for rel in (p.relative_to(source).as_posix()
                                 for p in sorted(source.rglob("*")) if p.is_file())]
        for src, dest in pairs:
            if matches_any(src, config.skip) or matches_any(src, config.instructor_only):
                continue
            if dest in planned and planned[dest] != src:
                raise BuildError(config.where, f"'{planned[dest]}' and '{src}' both map to "
                                 f"{dest}")
            planned[dest] = src
    return sorted((src, dest) for dest, src in planned.items())
