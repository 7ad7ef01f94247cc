"""`prairielearn-bundle`: the question folder checked against PrairieLearn's documented keys,
and its grader run in a simulated PrairieLearn layout (a temporary folder standing for /grade)
on the solution, the handout, single-file and broken submissions, and a broken grader.

The checks follow PrairieLearn's documentation: the question's info.json schema (required
uuid, type, title, topic; no other keys than the documented ones; externalGradingOptions with
image and entrypoint required, timeout an integer of at most 600 seconds), the external grading
layout (/grade/tests from the question's tests/, /grade/student, /grade/results/results.json,
which the grader must create the folder for), the results format (score in [0, 1], gradable,
message, output, tests with name, description, points, max_points, message, output; at most
1 MB) and the pl-file-upload element's attributes.
"""
from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solution" / "hw1"
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

# From PrairieLearn's question info.json schema and its external grading page.
INFO_REQUIRED = {"uuid", "type", "title", "topic"}
INFO_KEYS = INFO_REQUIRED | {
    "comment", "tags", "clientFiles", "clientTemplates", "template", "gradingMethod",
    "singleVariant", "showCorrectAnswer", "partialCredit", "options", "externalGradingOptions",
    "dependencies", "workspaceOptions", "sharingSets", "sharePublicly", "shareSourcePublicly"}
QUESTION_TYPES = {"Calculation", "MultipleChoice", "Checkbox", "File", "MultipleTrueFalse", "v3"}
GRADING_METHODS = {"Internal", "External", "Manual"}
EXTERNAL_REQUIRED = {"image", "entrypoint"}
EXTERNAL_KEYS = EXTERNAL_REQUIRED | {"comment", "enabled", "serverFilesCourse", "timeout",
                                     "enableNetworking", "environment"}
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                  r"[0-9a-fA-F]{12}$")
FILE_UPLOAD_ATTRIBUTES = {"file-names", "file-patterns", "optional-file-names",
                          "optional-file-patterns"}
RESULT_KEYS = {"score", "gradable", "format_errors", "message", "output", "images", "tests",
               "extra_data"}
TEST_KEYS = {"name", "description", "points", "max_points", "message", "output", "images"}
MAX_RESULTS_BYTES = 1_000_000


def run(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def question(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pl") / "hw1-question"
    proc = run("prairielearn-bundle", out, "--assignment", "hw1")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 1
    return out


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- the question folder

def test_info_json_has_the_documented_keys_only(question):
    info = json.loads((question / "info.json").read_text())
    assert INFO_REQUIRED <= set(info) <= INFO_KEYS
    assert UUID.match(info["uuid"])
    assert info["type"] in QUESTION_TYPES and info["type"] == "v3"
    assert isinstance(info["title"], str) and info["title"]
    assert isinstance(info["topic"], str) and info["topic"]
    assert all(isinstance(tag, str) for tag in info["tags"])
    assert info["gradingMethod"] in GRADING_METHODS and info["gradingMethod"] == "External"
    options = info["externalGradingOptions"]
    assert EXTERNAL_REQUIRED <= set(options) <= EXTERNAL_KEYS
    assert options["enabled"] is True
    assert isinstance(options["image"], str) and options["image"]
    assert isinstance(options["timeout"], int) and 0 < options["timeout"] <= 600
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in
               options["environment"].items())
    budget = int(options["environment"]["AUTOGRADER_TIME_BUDGET"])
    assert 0 < budget < options["timeout"]
    # The question's tests/ is /grade/tests: the entrypoint is one of its files.
    entrypoint = options["entrypoint"]
    assert isinstance(entrypoint, str) and entrypoint.startswith("/grade/tests/")
    script = question / entrypoint.removeprefix("/grade/")
    assert script.is_file() and script.stat().st_mode & stat.S_IXUSR
    assert script.read_text().startswith("#!/usr/bin/env bash\n")
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    assert "serverFilesCourse" not in options          # everything is in the question's tests/


class Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.found, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs), tuple(self.stack)))
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()


def test_question_html_uploads_the_accepted_files_and_shows_the_results(question):
    parser = Elements()
    parser.feed((question / "question.html").read_text())
    assert parser.stack == []
    uploads = [(attrs, parents) for tag, attrs, parents in parser.found
               if tag == "pl-file-upload"]
    assert len(uploads) == 1
    attrs, parents = uploads[0]
    assert set(attrs) and set(attrs) <= FILE_UPLOAD_ATTRIBUTES
    names = [name.strip() for value in attrs.values() for name in value.split(",")]
    assert names == ["submission.zip", "hw1.py"]
    assert all("/" not in name and "<" not in name for name in names)
    results = [parents for tag, _, parents in parser.found if tag == "pl-external-grader-results"]
    assert results == [("pl-submission-panel",)]
    assert any(tag == "pl-question-panel" for tag, _, _ in parser.found)


def test_the_tests_folder_is_the_grader_and_nothing_else(question):
    files = tree(question)
    names = set(files)
    assert {"info.json", "question.html", "tests/run_grader", "tests/fallback.py",
            "tests/requirements.txt", "tests/autograder/__main__.py",
            "tests/grading/rubric.toml", "tests/grading/assignment.toml",
            "tests/data/visible/manifest.json", "tests/data/hidden/manifest.json"} <= names
    assert all(name in ("info.json", "question.html") or name.startswith("tests/")
               for name in names)
    for name in names:
        parts = name.split("/")
        # No kit folder beside the engine (the engine's own `handout` verb package may ship).
        assert not {"solution", "handout", "mlp", "benchmarks"} & set(parts[1:2]), name
        assert "__pycache__" not in parts and "mlp" not in parts, name
        assert not name.endswith(".pyc") and "/tests/" not in name[len("tests"):], name
    assert files["tests/fallback.py"] == (ROOT / "autograder" / "bundle" / "fallback.py") \
        .read_bytes()
    pins = [line for line in files["tests/requirements.txt"].decode().splitlines()
            if line and not line.startswith("#")]
    names = {line.split("==")[0] for line in pins}
    assert "numpy" in names and "pytest" not in names


def test_a_rebuild_gives_the_same_bytes_and_replaces_the_folder(question, tmp_path):
    again = tmp_path / "again"
    assert run("prairielearn-bundle", again, "--assignment", "hw1").returncode == 0
    assert tree(again) == tree(question)
    (again / "tests" / "stale.npz").write_bytes(b"old")
    proc = run("prairielearn-bundle", again, "--assignment", "hw1", "--timeout", "300",
               "--image", "example.org/course/grader:2")
    assert proc.returncode == 0, proc.stderr
    assert not (again / "tests" / "stale.npz").exists()
    options = json.loads((again / "info.json").read_text())["externalGradingOptions"]
    assert (options["timeout"], options["image"]) == (300, "example.org/course/grader:2")
    assert [p.name for p in tmp_path.iterdir()] == ["again"]      # no staging folder left


@pytest.mark.parametrize("args, words", [
    (("--timeout", "601"), "must be 1 to 600 seconds"),
    (("--timeout", "soon"), "expected a whole number of seconds"),
    (("--image", "two words", "--assignment", "hw1"), "--image must be a Docker image name"),
    (("--assignment", "nope"), "unknown assignment"),
])
def test_bad_options_are_one_line_errors(tmp_path, args, words):
    proc = run("prairielearn-bundle", tmp_path / "q", *args)
    assert proc.returncode == 2 and words in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "q").exists()


def test_a_foreign_folder_is_never_overwritten(tmp_path):
    mine = tmp_path / "questions" / "hw1"
    mine.mkdir(parents=True)
    (mine / "info.json").write_text("{}")
    proc = run("prairielearn-bundle", mine, "--assignment", "hw1")
    assert proc.returncode == 2 and "is not a question folder this command made" in proc.stderr
    assert (mine / "info.json").read_text() == "{}"


# ---------------------------------------------------------------- a simulated PrairieLearn run

def grade_root(question: Path, root: Path) -> Path:
    """What PrairieLearn mounts: the question's tests/ as ROOT/tests, the upload in
    ROOT/student; ROOT/results does not exist yet."""
    shutil.copytree(question / "tests", root / "tests")
    (root / "student").mkdir()
    return root


def run_grader(root: Path, python: Path | str = sys.executable, **env) -> dict:
    env = dict(CLEAN_ENV, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=str(python), **env)
    proc = subprocess.run([str(root / "tests" / "run_grader")], cwd="/", env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    raw = (root / "results" / "results.json").read_bytes()
    assert len(raw) <= MAX_RESULTS_BYTES
    results = json.loads(raw)
    assert set(results) <= RESULT_KEYS
    assert isinstance(results["gradable"], bool)
    assert 0.0 <= results["score"] <= 1.0
    for test in results["tests"]:
        assert set(test) <= TEST_KEYS and {"name", "points", "max_points"} <= set(test)
    return results


def zip_package(folder: Path, dest: Path) -> None:
    with zipfile.ZipFile(dest, "w") as archive:
        for path in sorted(folder.rglob("*.py")):
            archive.write(path, path.relative_to(folder.parent).as_posix())


def hw1_item_ids() -> list[str]:
    import tomllib
    rubric = tomllib.loads((SOLUTION / "grading" / "rubric.toml").read_text())
    return [item["id"] for item in rubric["item"]]


def test_the_solution_scores_1(question, tmp_path):
    root = grade_root(question, tmp_path / "grade")
    zip_package(SOLUTION / "mlp", root / "student" / "submission.zip")
    results = run_grader(root)
    assert results["gradable"] is True and results["score"] == 1.0
    assert len(results["tests"]) == len(hw1_item_ids())
    assert all(t["points"] == t["max_points"] for t in results["tests"])
    assert "extra_data" not in results


def test_a_single_file_upload_is_graded(question, tmp_path):
    root = grade_root(question, tmp_path / "grade")
    single = ROOT / "tests" / "alternatives" / "hw1" / "single_file"
    source = next(single.rglob("hw1.py"), None) or next(single.rglob("*.py"))
    shutil.copy(source, root / "student" / "hw1.py")
    results = run_grader(root)
    assert results["gradable"] is True and results["score"] == 1.0


def test_the_handout_scores_0_and_says_why(question, tmp_path, built_handout):
    root = grade_root(question, tmp_path / "grade")
    zip_package(built_handout("hw1") / "mlp", root / "student" / "submission.zip")
    results = run_grader(root)
    assert results["gradable"] is True and results["score"] == 0.0
    assert [t["points"] for t in results["tests"]] == [0.0] * len(hw1_item_ids())
    assert "not implemented" in json.dumps(results["tests"])


def test_junk_bytes_score_0_and_stay_gradable(question, tmp_path):
    root = grade_root(question, tmp_path / "grade")
    (root / "student" / "submission.zip").write_bytes(b"PK\3\4 this is not a zip \xff\x00")
    results = run_grader(root)
    assert results["gradable"] is True and results["score"] == 0.0
    assert "not a valid .zip" in results["message"]
    assert "unreadable-submission" in results["message"]


def fake_python(folder: Path, body: str) -> Path:
    path = folder / "broken-python"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_a_crashing_grader_leaves_a_not_gradable_result(question, tmp_path):
    root = grade_root(question, tmp_path / "grade")
    zip_package(SOLUTION / "mlp", root / "student" / "submission.zip")
    results = run_grader(root, python=fake_python(tmp_path, "echo 'Fatal Python error' >&2; "
                                                            "exit 3"))
    assert results["gradable"] is False and results["score"] == 0.0
    assert results["extra_data"]["autograder_fallback"] is True
    assert "exit code 3" in results["message"]
    assert "the grading image lacks Python 3.11 or newer" in results["message"]
    assert "contact the course staff" in results["message"]
    assert results["format_errors"] and "Fatal" not in json.dumps(results)


def test_a_grader_over_its_time_budget_leaves_a_reason(question, tmp_path):
    root = grade_root(question, tmp_path / "grade")
    zip_package(SOLUTION / "mlp", root / "student" / "submission.zip")
    slow = fake_python(tmp_path, 'case "$1" in -I) exec python3 "$@";; esac; exec sleep 60')
    results = run_grader(root, python=slow, AUTOGRADER_TIME_BUDGET="1")
    assert results["gradable"] is False
    assert "grading took longer than its 1-second limit" in results["message"]


def test_no_upload_leaves_a_result(question, tmp_path):
    root = grade_root(question, tmp_path / "grade")
    (root / "student").rmdir()
    results = run_grader(root)
    assert results["gradable"] is False
    assert "exit code 2" in results["message"]
