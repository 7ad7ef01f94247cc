"""The leak scan: proof that no solution line, instructor-only file or hidden case name is in
what ships. It reads the solution sources with a plain line scan of its own, independent of
the stripper, so a stripper bug cannot hide its own leak.
"""
from __future__ import annotations

import hashlib
import json
import re
import tomllib

from autograder.handout.config import BuildError, Config, matches_any, normalise, plan_files
from autograder.handout.strip import (ANY_BLOCK_MARKER_RE, BEGIN_RE, END_RE, LINE_MARKER_RE,
                                      SOLUTION_TAG)

RETURN_A_NAME = re.compile(r"^return [\w.]+$")
TRIVIAL_LINES = {"return", "pass", "else:", "try:", "finally:", "break", "continue", "raise",
                 "...", "return None", "return self", '"""', "'''", "except:"}
PUNCTUATION_ONLY = re.compile(r"^[\s()\[\]{}:,;.'\"\\]*$")


def is_trivial(line: str) -> bool:
    return (line in TRIVIAL_LINES or bool(PUNCTUATION_ONLY.match(line))
            or bool(RETURN_A_NAME.match(line)) or len(line) < 3)


def solution_parts(path: str, text: str) -> tuple[list[str], list[str]]:
    """Split a source file into (secret lines, public lines) with a plain line scan that is
    independent of the stripper: lines strictly inside BEGIN/END SOLUTION, `# SOLUTION` lines
    (marker removed) and `solution`-tagged notebook cells are secret; everything else ships."""
    if path.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
        except json.JSONDecodeError:
            return [], text.splitlines()
        secret, public = [], []
        for cell in cells:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
                secret += source.splitlines()
            else:
                cell_secret, cell_public = _scan_lines(source.splitlines())
                secret += cell_secret
                public += cell_public
        return secret, public
    return _scan_lines(text.splitlines())


def _scan_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    secret, public, inside = [], [], False
    for line in lines:
        if BEGIN_RE.match(line.rstrip()):
            inside = True
        elif END_RE.match(line.rstrip()):
            inside = False
        elif inside:
            secret.append(line)
        elif LINE_MARKER_RE.search(line):
            secret.append(LINE_MARKER_RE.sub("", line))
        else:
            public.append(line)
    return secret, public


def handout_text_views(path: str, data: bytes) -> list[str]:
    """Normalised text to search in a handout file (a notebook's decoded cells too)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    views = [text]
    if path.endswith(".ipynb"):
        try:
            nb = json.loads(text)
            for cell in nb.get("cells", []):
                for value in [cell.get("source", "")] + [
                        o.get("text", "") for o in cell.get("outputs", [])] + [
                        v for o in cell.get("outputs", []) for v in o.get("data", {}).values()]:
                    views.append("".join(value) if isinstance(value, list) else str(value))
        except (json.JSONDecodeError, AttributeError):
            pass
    return ["\n".join(normalise(line) for line in view.splitlines()) for view in views]


def find_leaks(config: Config, files: dict[str, bytes]) -> list[str]:
    """Proof 3. Scan the handout's bytes; return one problem per line of output."""
    problems: list[str] = []
    secrets: set[str] = set()
    provided_views: list[str] = []
    for src, _ in plan_files(config):
        try:
            text = (config.root / src).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        secret, public = solution_parts(src, text)
        secrets.update(normalise(line) for line in secret)
        if secret or matches_any(src, config.public_sources):
            # Provided code and docstrings written for students (next to the solution, or in
            # the configured public sources): a solution line repeated there is no leak. Any
            # other overlap must be allowed in handout.toml ([[leak_allow]]), file by file.
            provided_views.append("\n".join(normalise(line) for line in public))
    provided_text = "\n".join(provided_views)
    secrets = {s for s in secrets if not is_trivial(s) and s not in provided_text}

    hidden_hashes = instructor_only_hashes(config)
    hidden_names = hidden_case_names(config)
    name_regex = (re.compile(r"\b(" + "|".join(map(re.escape, sorted(hidden_names))) + r")\b")
                  if hidden_names else None)
    for path in sorted(files):
        data = files[path]
        if is_instructor_only_in_handout(path, config):
            problems.append(f"{path}: instructor-only file in the handout")
        if hashlib.sha256(data).hexdigest() in hidden_hashes:
            problems.append(f"{path}: identical to instructor-only "
                            f"{hidden_hashes[hashlib.sha256(data).hexdigest()]}")
        views = handout_text_views(path, data)
        allowed = {line for line, globs in config.leak_allow if matches_any(path, globs)}
        for view in views:
            leaked = sorted(s for s in secrets - allowed if s in view)
            if leaked:
                problems.append(f"{path}: contains solution line {leaked[0]!r}"
                                + (f" (and {len(leaked) - 1} more)" if len(leaked) > 1 else ""))
                break
        if any(ANY_BLOCK_MARKER_RE.search(line) or LINE_MARKER_RE.search(line)
               for view in views for line in view.splitlines()):
            problems.append(f"{path}: solution marker left in the handout")
        if name_regex and views:
            hit = name_regex.search(views[0])
            if hit:
                problems.append(f"{path}: names hidden case '{hit.group(1)}'")
    return problems


def is_instructor_only_in_handout(path: str, config: Config) -> bool:
    """Map a shipped path back through every [[map]] and the distribution's own layout (and
    take it as is), and test it against the instructor-only patterns."""
    candidates = [path] + [m.source + path[len(m.dest):] for m in config.maps + config.routes
                           if path == m.dest or path.startswith(m.dest + "/")]
    return any(matches_any(candidate, config.instructor_only) for candidate in candidates)


def instructor_only_hashes(config: Config) -> dict[str, str]:
    """sha256 -> kit path of every non-empty instructor-only file (under a map source, or
    named literally)."""
    hashes = {}
    literal = [p.strip("/") for p in config.instructor_only if not any(c in p for c in "*?[")]
    for top in [mapping.source for mapping in config.maps] + literal:
        source = config.root / top
        if not source.exists():
            continue
        for path in [source] if source.is_file() else sorted(source.rglob("*")):
            rel = path.relative_to(config.root).as_posix()
            if path.is_file() and matches_any(rel, config.instructor_only) \
                    and not matches_any(rel, config.skip) and path.stat().st_size > 0:
                hashes[hashlib.sha256(path.read_bytes()).hexdigest()] = rel
    return hashes


def hidden_case_names(config: Config) -> set[str]:
    names = set()
    for spec in config.hidden_case_specs:
        path = config.root / spec
        if not path.exists():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise BuildError(spec, f"not valid TOML: {exc}") from None
        names.update(case["name"] for case in data.get("case", []) if "name" in case)
    return names
