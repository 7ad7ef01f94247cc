"""A PrairieLearn question folder for one assignment, graded by this grader as an external
grader (``python -m autograder prairielearn-bundle OUT``)::

    OUT/info.json       the question: gradingMethod External, externalGradingOptions
    OUT/question.html   a pl-file-upload for submission.zip or <module>.py, and the results
    OUT/tests/          the grader (engine, grading spec, every reference), run_grader (the
                        entrypoint), fallback.py and the pinned requirements.txt

PrairieLearn copies the question's ``tests/`` to ``/grade/tests`` and the upload to
``/grade/student``, runs the entrypoint, and reads ``/grade/results/results.json``. The folder
is deterministic (same bytes for the same grader), so it can live in the course's repository.
"""
from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from autograder.assignments import Assignment
from autograder.bundle import BundleError
from autograder.distribution import distribution_files
from autograder.bundle.pins import requirements_text
from autograder.files import write_bytes

TEMPLATES = Path(__file__).resolve().parent
FALLBACK = TEMPLATES.parent / "fallback.py"        # shared with the Gradescope bundle
ENTRYPOINT = "tests/run_grader"
EXECUTABLES = (ENTRYPOINT,)
ZIP_NAME = "submission.zip"
# PrairieLearn's maintained Python grader image (Python 3.13 with NumPy); any image with
# Python >= 3.11 and tests/requirements.txt installed will do (--image).
DEFAULT_IMAGE = "prairielearn/grader-python"
DEFAULT_TIMEOUT = 120       # seconds; PrairieLearn allows at most 600
MAX_TIMEOUT = 600
TOPIC = "Autograded assignments"


def question_uuid(assignment: Assignment) -> str:
    """Stable across builds, so a rebuilt folder is the same question to PrairieLearn."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"autograder-kit:prairielearn:{assignment.name}"))


def time_budget(timeout: int) -> int:
    """Seconds the grader may run: PrairieLearn's timeout less a margin to write the result."""
    return max(1, timeout - max(5, timeout // 10))


def accepted_files(assignment: Assignment) -> list[str]:
    return [ZIP_NAME, f"{assignment.shape.module}.py"]


def info_json(assignment: Assignment, image: str = DEFAULT_IMAGE,
              timeout: int = DEFAULT_TIMEOUT) -> dict:
    return {
        "uuid": question_uuid(assignment),
        "title": assignment.title,
        "topic": TOPIC,
        "tags": ["autograder", assignment.name],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "comment": "image: any Docker image with Python >= 3.11 and the packages in "
                       "tests/requirements.txt (numpy, and what the assignment allows) will do; replace it with your "
                       "course's own. AUTOGRADER_TIME_BUDGET stops grading before the timeout.",
            "enabled": True,
            "image": image,
            "entrypoint": f"/grade/{ENTRYPOINT}",
            "timeout": timeout,
            "environment": {"AUTOGRADER_TIME_BUDGET": str(time_budget(timeout))},
        },
    }


def question_html(assignment: Assignment) -> str:
    shape = assignment.shape
    code = _code
    zip_name, module_file = accepted_files(assignment)
    lines = [
        "<pl-question-panel>",
        f"  <p><strong>{html.escape(assignment.title)}</strong></p>",
        "  <p>Upload your code in one of two forms:</p>",
        "  <ul>",
        f"    <li>{code(zip_name)}: a zip of your {code(shape.package + '/')} package folder "
        f"(the folder itself, with its {code('__init__.py')});</li>",
        f"    <li>{code(module_file)}: all of your code in one file.</li>",
        "  </ul>",
        f"  <p>If you upload both, {code(zip_name)} is graded. Only NumPy and the Python "
        "standard library may be imported.</p>",
    ]
    if shape.deliverables:
        wanted = ", ".join(code(d.path + ("/" if d.kind == "folder" else ""))
                           + (f" ({html.escape(d.description)})" if d.description else "")
                           for d in shape.deliverables)
        lines.append(f"  <p>The zip must also hold, beside your code: {wanted}.</p>")
    lines += [
        "  <p>The autograder runs the visible cases of your handout and hidden ones; each "
        "rubric item's result is shown below your submission.</p>",
        "</pl-question-panel>",
        "",
        f'<pl-file-upload optional-file-names="{html.escape(", ".join((zip_name, module_file)))}">'
        "</pl-file-upload>",
        "",
        "<pl-submission-panel>",
        "  <pl-external-grader-results></pl-external-grader-results>",
        "  <pl-file-preview></pl-file-preview>",
        "</pl-submission-panel>",
    ]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def prairielearn_files(assignment: Assignment, rubric_path: Path | None = None,
                       image: str = DEFAULT_IMAGE, timeout: int = DEFAULT_TIMEOUT
                       ) -> dict[str, bytes]:
    """Path in the question folder -> bytes."""
    if not isinstance(timeout, int) or not 1 <= timeout <= MAX_TIMEOUT:
        raise BundleError(f"the timeout must be 1 to {MAX_TIMEOUT} seconds (PrairieLearn's "
                          f"limit), got {timeout}")
    if not image.strip() or any(ch.isspace() for ch in image):
        raise BundleError(f"--image must be a Docker image name like {DEFAULT_IMAGE}, "
                          f"got {image!r}")
    files = {f"tests/{name}": data
             for name, data in distribution_files(assignment, rubric_path=rubric_path).items()}
    files[ENTRYPOINT] = (TEMPLATES / "run_grader").read_bytes()
    files["tests/fallback.py"] = FALLBACK.read_bytes()
    files["tests/requirements.txt"] = requirements_text(assignment.policy).encode()
    files["info.json"] = (json.dumps(info_json(assignment, image, timeout), indent=2)
                          + "\n").encode()
    files["question.html"] = question_html(assignment).encode()
    return files


def build_prairielearn_question(out: Path, assignment: Assignment,
                                rubric_path: Path | None = None, image: str = DEFAULT_IMAGE,
                                timeout: int = DEFAULT_TIMEOUT) -> list[str]:
    """Write the question folder ``out`` (replacing one this function wrote before, so no stale
    reference is left behind); return its files. The new folder is complete before it takes
    the old one's place."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise BundleError(f"{out} is a file; give a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / ENTRYPOINT).is_file():
        raise BundleError(f"{out} is not empty and is not a question folder this command "
                          f"made; give a new or empty folder")
    files = prairielearn_files(assignment, rubric_path, image, timeout)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=out.parent))
    try:
        for name, data in sorted(files.items()):
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(target, data)
            if name in EXECUTABLES:
                target.chmod(0o755)
        staging.chmod(0o755)
        _swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(files)


def _swap_in(new: Path, out: Path) -> None:
    if not out.exists():
        os.rename(new, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    os.rename(out, old / "question")
    try:
        os.rename(new, out)
    except OSError:
        os.rename(old / "question", out)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)
