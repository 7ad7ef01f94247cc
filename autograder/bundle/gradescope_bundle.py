"""The Gradescope autograder zip: setup.sh, run_autograder, requirements.txt (pinned),
gradescope_fallback.py and the autograder package (rubric and all references)."""
from __future__ import annotations

from pathlib import Path

from autograder.bundle.archive import zip_bytes
from autograder.bundle.contents import grader_files
from autograder.bundle.pins import requirements_text
from autograder.results.atomic import write_bytes

TEMPLATES = Path(__file__).resolve().parent / "gradescope"
SCRIPTS = ("setup.sh", "run_autograder")


def gradescope_files(rubric_path: Path | None = None) -> dict[str, bytes]:
    files = grader_files(rubric_path)
    for name in (*SCRIPTS, "gradescope_fallback.py"):
        files[name] = (TEMPLATES / name).read_bytes()
    files["requirements.txt"] = requirements_text().encode()
    return files


def build_gradescope_bundle(out: Path, rubric_path: Path | None = None) -> list[str]:
    """Write the zip (deterministic) to ``out``; return its member names."""
    files = gradescope_files(rubric_path)
    write_bytes(Path(out), zip_bytes(files, executables=SCRIPTS))
    return sorted(files)
