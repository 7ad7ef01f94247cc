"""The Gradescope autograder zip for one assignment: setup.sh, run_autograder,
requirements.txt (pinned), gradescope_fallback.py, the engine, the assignment's grading spec
and all its references."""
from __future__ import annotations

from pathlib import Path

from autograder.assignments import Assignment
from autograder.bundle.pins import requirements_text
from autograder.distribution import distribution_files
from autograder.files import write_bytes, zip_bytes

TEMPLATES = Path(__file__).resolve().parent / "gradescope"
FALLBACK = Path(__file__).resolve().parent / "fallback.py"   # shared with PrairieLearn
SCRIPTS = ("setup.sh", "run_autograder")


def gradescope_files(assignment: Assignment, rubric_path: Path | None = None) -> dict[str, bytes]:
    files = distribution_files(assignment, rubric_path=rubric_path)
    for name in SCRIPTS:
        files[name] = (TEMPLATES / name).read_bytes()
    files["gradescope_fallback.py"] = FALLBACK.read_bytes()
    files["requirements.txt"] = requirements_text(assignment.policy).encode()
    return files


def build_gradescope_bundle(out: Path, assignment: Assignment,
                            rubric_path: Path | None = None) -> list[str]:
    """Write the zip (deterministic) to ``out``; return its member names."""
    files = gradescope_files(assignment, rubric_path)
    write_bytes(Path(out), zip_bytes(files, executables=SCRIPTS))
    return sorted(files)
