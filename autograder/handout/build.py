"""Build one assignment's handout: render the student files through the stripper, add what
every distribution holds (autograder/distribution.py: the grading spec and, for students, the
visible references), prove the result, and write it atomically.

    handout folder   student files + grading/ + data/visible/          (build/<a>/handout/)
    student archive  the same under <a>/, plus the student copy of the engine
                                                                       (build/<a>-handout.zip)

A handout that fails a proof (parse, leaks, imports, stubs raise) is never written.
"""
from __future__ import annotations

import ast
import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import Assignment
from autograder.distribution import STUDENT_SUITES, engine_files, reference_files, spec_files
from autograder.files import write_bytes, zip_bytes
from autograder.handout.config import BuildError, Config, load_config, matches_any, plan_files
from autograder.handout.leaks import find_leaks
from autograder.handout.strip import strip_notebook, strip_python
from autograder.handout.verify import verify_in_fresh_interpreter

FILE_MODE, DIR_MODE = 0o644, 0o755
BUILD_FOLDER = "build"


@dataclass(frozen=True)
class Handout:
    """One assignment's handout, in memory."""
    config: Config
    files: dict[str, bytes]               # handout path -> bytes (the folder, no engine)
    stubbed: tuple[tuple[str, str], ...]  # (module, qualname) the stripper stubbed

    def archive_files(self) -> dict[str, bytes]:
        """What the student archive holds: the handout and the student copy of the engine,
        so that ``python -m autograder grade .`` runs from the unzipped folder, offline."""
        engine = engine_files(student_copy=True)
        clash = sorted(set(engine) & set(self.files))
        if clash:
            raise BuildError(self.config.where,
                             f"{clash[0]}: a student file where the engine goes")
        return {**self.files, **engine}

    def archive_bytes(self) -> bytes:
        """The deterministic zip, with a single top folder named after the assignment."""
        top = self.config.name
        return zip_bytes({f"{top}/{path}": data for path, data in self.archive_files().items()})


def default_folder(config: Config) -> Path:
    return config.root / BUILD_FOLDER / config.name / "handout"


def default_zip(config: Config) -> Path:
    return config.root / BUILD_FOLDER / f"{config.name}-handout.zip"


def assemble(assignment: Assignment) -> Handout:
    """Render the handout in memory (BuildError, ManifestError or RubricError if it cannot)."""
    config = load_config(assignment)
    files: dict[str, bytes] = {}
    stubbed: list[tuple[str, str]] = []
    for src, dest in plan_files(config):
        data = (config.root / src).read_bytes()
        if dest.endswith(".py"):
            result = strip_python(_decode(data, src), src)
            data = result.text.encode("utf-8")
            stubbed += [(module_name(dest, config.import_paths), name)
                        for name in result.functions]
        elif dest.endswith(".ipynb"):
            data = strip_notebook(_decode(data, src), src).encode("utf-8")
        files[dest] = data
    shared = {**spec_files(assignment), **reference_files(assignment, STUDENT_SUITES)}
    clash = sorted(set(shared) & set(files))
    if clash:
        raise BuildError(config.where, f"a [[map]] ships {clash[0]}, which the distribution "
                         "already holds (grading/ and data/ come from the grading spec)")
    files.update(shared)
    return Handout(config, dict(sorted(files.items())), tuple(stubbed))


def module_name(handout_path: str, import_paths: tuple[str, ...] = ()) -> str:
    """The import name of a handout file: dotted from the handout's root, or from the first
    of ``import_paths`` (handout folders on sys.path) that holds it."""
    for folder in import_paths:
        if handout_path.startswith(folder.rstrip("/") + "/"):
            handout_path = handout_path[len(folder.rstrip("/")) + 1:]
            break
    parts = handout_path[:-len(".py")].split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BuildError(where, "is not UTF-8 text") from None


# --------------------------------------------------------------------------- proofs before writing

def parse_problems(files: dict[str, bytes]) -> list[str]:
    """Every .py shipped parses."""
    problems = []
    for path, data in sorted(files.items()):
        if path.endswith(".py"):
            try:
                ast.parse(data.decode("utf-8"), filename=path)
            except SyntaxError as exc:
                problems.append(f"{path}:{exc.lineno}: does not parse: {exc.msg}")
    return problems


def prove(handout: Handout, written: Path) -> None:
    """Raise BuildError unless the handout written to ``written`` parses, the whole archive is
    leak-free, its packages import and every stub raises NotImplementedError."""
    problems = parse_problems(handout.files)
    problems += find_leaks(handout.config, handout.archive_files())
    if not problems:
        problems += verify_in_fresh_interpreter(written, handout.config.import_packages,
                                                handout.stubbed, handout.config.import_paths)
    if problems:
        raise BuildError(handout.config.name, "refusing to write the handout: "
                         + "; ".join(problems))


# --------------------------------------------------------------------------- writing

def write_folder(handout: Handout, out_dir: Path) -> None:
    """Prove the handout in a staging folder beside ``out_dir``, then swap it in."""
    out_dir = Path(out_dir).resolve()
    refuse_foreign_folder(handout, out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.building-"))
    try:
        write_tree(staging, handout.files)
        prove(handout, staging)
        swap_in(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def write_archive(handout: Handout, zip_path: Path, data: bytes | None = None) -> None:
    zip_path = Path(zip_path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(zip_path, handout.archive_bytes() if data is None else data)


def write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for rel in sorted(files):
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[rel])
        os.chmod(target, FILE_MODE)
    for path in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        os.chmod(path, DIR_MODE)


def read_tree(folder: Path, skip=()) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and not matches_any(path.relative_to(folder).as_posix(), skip)}


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir with staging; the old tree is removed only after the new one is in place."""
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old-"))
        os.replace(out_dir, retired / out_dir.name)
        os.replace(staging, out_dir)
        shutil.rmtree(retired)
    else:
        os.replace(staging, out_dir)


def refuse_foreign_folder(handout: Handout, out_dir: Path) -> None:
    """The build replaces out_dir wholesale, so it must never be a folder with other work in it."""
    config = handout.config
    protected = [config.root.resolve()] + [(config.root / m.source).resolve()
                                           for m in config.maps + config.routes]
    if any(out_dir == p or out_dir in p.parents for p in protected):
        raise BuildError(str(out_dir), "would overwrite the kit or a source; choose another "
                         "--out folder")
    if out_dir.is_file():
        raise BuildError(str(out_dir), "is a file, not a handout folder")
    existing = read_tree(out_dir, config.skip) if out_dir.is_dir() else {}
    if existing and not set(existing) & set(handout.files):
        raise BuildError(str(out_dir), "exists and does not look like a handout (none of its "
                         "files would be in the build); refusing to replace it")
    owner = _assignment_named_in(existing.get("grading/assignment.toml"))
    if owner not in (None, config.name):
        raise BuildError(str(out_dir), f"holds the handout of {owner}; choose another --out "
                         "folder")


def _assignment_named_in(spec: bytes | None) -> str | None:
    try:
        return tomllib.loads(spec.decode("utf-8")).get("name") if spec else None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
