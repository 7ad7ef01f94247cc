"""The platform views of one GradeResult: PrairieLearn's results.json, the Canvas gradebook
import, hand-graded (manual) items in every view, the release switch for hidden cases, the
batch flags that write them, and the examples in docs/formats.md (generated here and compared
with the page, so the page cannot go stale).

Regenerate the examples after a deliberate format change with
``python tests/test_platforms.py --update-docs``.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:       # run as a script (--update-docs)
    sys.path.insert(0, str(ROOT))

from autograder.batch import canvas  # noqa: E402
from autograder.batch.inputs import InputError  # noqa: E402
from autograder.batch.summary import summarize  # noqa: E402
from autograder.grade.rubric import Item, Rubric, RubricError, load_rubric  # noqa: E402
from autograder.results import (CaseResult, GradeResult, ItemResult, autolab_line,  # noqa: E402
                                csv_text, error_result, to_gradescope, to_json,
                                to_prairielearn, to_table, write_prairielearn)
from autograder.grade.score import graded_result, scored_item  # noqa: E402
from autograder.results.messages import explain_flag  # noqa: E402
from autograder.results.prairielearn import MAX_BYTES, score_fraction  # noqa: E402

FORMATS_MD = ROOT / "docs" / "formats.md"
HIDDEN_SECRET = "hidden input was [[0.5, -3.25]]"

# The example of docs/formats.md: four automatic items, one bonus, and a hand-graded report.
EXAMPLE_RUBRIC = Rubric(items=(
    Item("sigmoid", "Sigmoid: forward and derivative", 4.0),
    Item("hidden_backward", "MLP with hidden layers: backward", 14.0),
    Item("momentum", "Momentum", 10.0, all_or_nothing=True),
    Item("leaky_relu", "LeakyReLU", 4.0, bonus=True),
    Item("report", "Report: experiments and analysis", 10.0, manual=True),
), cap=40.0)
IDS = [item.id for item in EXAMPLE_RUBRIC.items]


def example_result(release_hidden: bool = False) -> GradeResult:
    """alice: 2 of 3 sigmoid cases, 2 of 3 hidden_backward, momentum (all or nothing) 1 of 2,
    the bonus passed, the report awaiting hand grading, report.pdf missing."""
    sigmoid, backward, momentum, leaky, report = EXAMPLE_RUBRIC.items
    items = [
        scored_item(sigmoid, [
            CaseResult("sigmoid_basic", True, False),
            CaseResult("sigmoid_large_inputs", False, False, "out: max abs error 0.5 at [0, 2] "
                       "(expected 1.0, got 0.5); 3 of 35 values differ"),
            CaseResult("sigmoid_hidden_shapes", True, True)]),
        scored_item(backward, [
            CaseResult("hidden_backward_one_layer", True, False),
            CaseResult("hidden_backward_two_layers", True, False),
            CaseResult("hidden_backward_deep", False, True, "mlp.dW[0]: max abs error 0.12 at "
                       "[3, 1] (expected 0.4, got 0.28)")]),
        scored_item(momentum, [
            CaseResult("momentum_one_step", True, False),
            CaseResult("momentum_three_steps", False, True, "mlp.W[1] (after step 3): max abs "
                       "error 0.03 at [0, 0] (expected 0.71, got 0.74)")]),
        scored_item(leaky, [CaseResult("leaky_relu_basic", True, False)]),
    ]
    items.append(ItemResult(report.id, report.name, 0.0, report.points, False, [], manual=True))
    result = graded_result(items, EXAMPLE_RUBRIC.cap, flags=["missing-deliverable:report.pdf"],
                           suite="all", submission="alice.zip", seconds=0.84)
    result.release_hidden = release_hidden
    return result


def example_error() -> GradeResult:
    return error_result(EXAMPLE_RUBRIC.items, EXAMPLE_RUBRIC.cap, "internal grader error",
                        suite="all", submission="bob.zip", seconds=2.0)


EXAMPLE_ROSTER = """\
Student,ID,SIS User ID,SIS Login ID,Section,HW1 (123456),Current Score
    Points Possible,,,,,40,
"Doe, Alice",101,S001,alice,Section 1,,
"Roe, Bob",102,S002,bob,Section 1,,
"Poe, Carol",103,S003,carol,Section 2,,
"""


def example_canvas(tmp: Path) -> canvas.CanvasImport:
    roster_path = tmp / "roster.csv"
    roster_path.write_text(EXAMPLE_ROSTER, encoding="utf-8")
    graded = [("alice", example_result()), ("bob", example_error()), ("zed", example_result())]
    return canvas.canvas_import(canvas.read_roster(roster_path), graded, EXAMPLE_RUBRIC, "HW1")


def _dump(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def examples(tmp: Path) -> dict[str, str]:
    """Every example block of docs/formats.md, by its marker name."""
    rubric_json = to_json(example_result())
    rubric_json["items"] = [rubric_json["items"][0], "... one object per rubric item, in "
                            "rubric order ..."]
    released = [t for t in to_gradescope(example_result(release_hidden=True))["tests"]
                if t["visibility"] == "after_due_date"]
    export = example_canvas(tmp)
    return {
        "json": _dump(rubric_json),
        "gradescope": _dump(to_gradescope(example_result())),
        "gradescope-released": _dump(released),
        "prairielearn": _dump(to_prairielearn(example_result())),
        "autolab": autolab_line(example_result()),
        "table": to_table(example_result()),
        "csv": csv_text(IDS, [("alice", example_result()), ("bob", example_error())]).rstrip(),
        "canvas": export.text().rstrip(),
        "canvas-report": "\n".join(export.report_lines("canvas.csv")),
    }


# A marker line, then a fenced block; the body is every line up to the closing fence.
_BLOCK = re.compile(r"^<!-- example: (?P<name>[a-z-]+) -->\n(?P<fence>```[a-z]*\n)"
                    r"(?P<body>.*?)^```$", re.S | re.M)


def doc_examples(text: str) -> dict[str, str]:
    return {m["name"]: m["body"].removesuffix("\n") for m in _BLOCK.finditer(text)}


def update_docs(tmp: Path) -> None:
    fresh = examples(tmp)
    text = FORMATS_MD.read_text(encoding="utf-8")

    def replace(match):
        return (f"<!-- example: {match['name']} -->\n{match['fence']}{fresh[match['name']]}\n"
                "```")
    FORMATS_MD.write_text(_BLOCK.sub(replace, text), encoding="utf-8")


# ---------------------------------------------------------------- docs/formats.md examples

def test_the_examples_in_formats_md_are_the_code_s_output(tmp_path):
    documented = doc_examples(FORMATS_MD.read_text(encoding="utf-8"))
    fresh = examples(tmp_path)
    assert sorted(documented) == sorted(fresh), "an example marker is missing or unknown"
    for name, text in fresh.items():
        assert documented[name] == text, (f"docs/formats.md example {name!r} is stale; run "
                                          f"python tests/test_platforms.py --update-docs")


# ---------------------------------------------------------------- manual items, every view

def test_table_shows_a_manual_item_as_awaiting_hand_grading():
    lines = to_table(example_result()).splitlines()
    row = next(line for line in lines if line.startswith("report"))
    assert "   -   / 10" in row
    assert row.endswith("awaiting hand grading; not in the automatic total")
    assert "10 points await hand grading (report)." in lines
    assert any(line.startswith("total (all)") and "16.00 / 40" in line for line in lines)
    coloured = to_table(example_result(), color=True)
    report_row = next(line for line in coloured.splitlines() if line.startswith("report"))
    assert "\033[" not in report_row           # neither red nor green: it is not graded yet
    error_row = next(line for line in to_table(example_error()).splitlines()
                     if line.startswith("report"))
    assert error_row.endswith("awaiting hand grading; not in the automatic total")


def test_gradescope_manual_test_has_no_points_and_says_so():
    data = to_gradescope(example_result())
    manual = [t for t in data["tests"] if t["extra_data"]["id"] == "report"]
    assert manual == [{
        "name": "Report: experiments and analysis (hand-graded, 10 points)",
        "output": "Awaiting hand grading; not part of the autograder score. The course staff "
                  "grade this item by hand.",
        "visibility": "visible",
        "extra_data": {"id": "report", "bonus": False, "manual": True},
    }]
    assert data["score"] == 16.0
    assert sum(t.get("score", 0) for t in data["tests"]) == 16.0
    assert "10 points await hand grading (report)." in data["output"].splitlines()
    errored = to_gradescope(example_error())
    assert "score" not in errored["tests"][-1] and "Awaiting" in errored["tests"][-1]["output"]


def test_autolab_line_never_names_a_manual_item():
    scores = json.loads(autolab_line(example_result()))["scores"]
    assert list(scores) == IDS[:-1]
    assert round(sum(scores.values()), 2) == 16.0
    assert list(json.loads(autolab_line(example_error()))["scores"]) == IDS[:-1]


def test_csv_leaves_the_manual_column_empty():
    rows = list(csv.reader(io.StringIO(csv_text(IDS, [("alice", example_result()),
                                                       ("bob", example_error())]))))
    assert rows[0] == ["student", "total", *IDS, "flags"]
    assert rows[1][IDS.index("report") + 2] == "" and rows[2][IDS.index("report") + 2] == ""
    assert rows[1][1] == "16" and rows[1][-1] == "missing-deliverable:report.pdf"


def test_json_keeps_the_manual_item_and_the_release_switch():
    data = to_json(example_result(release_hidden=True))
    assert data["items"][-1]["manual"] is True and data["items"][-1]["cases"] == []
    assert data["release_hidden"] is True
    again = GradeResult.from_dict(json.loads(json.dumps(data)))
    assert again.release_hidden is True and again.items[-1].manual is True
    assert GradeResult.from_dict({k: v for k, v in to_json(example_result()).items()
                                  if k != "release_hidden"}).release_hidden is False


def test_summary_json_has_no_statistics_for_a_manual_item():
    summary = summarize(EXAMPLE_RUBRIC, [("alice", example_result())])
    report = summary["items"][-1]
    assert report == {"id": "report", "name": "Report: experiments and analysis",
                      "max_score": 10.0, "bonus": False, "manual": True, "mean": None,
                      "median": None, "pass_rate": None, "hand_graded": 0}


def test_missing_deliverable_flag_is_explained():
    assert explain_flag("missing-deliverable:report.pdf") == (
        "missing-deliverable:report.pdf (the submission lacks report.pdf, which the assignment "
        "asks for)")
    assert explain_flag("missing-deliverable:cw3_mlp/outputs").endswith(
        "(the submission lacks cw3_mlp/outputs, which the assignment asks for)")


# ---------------------------------------------------------------- PrairieLearn

def test_prairielearn_score_is_the_automatic_share_in_0_1():
    assert score_fraction(example_result()) == round(16 / 30, 6)    # cap 40, report 10 by hand
    data = to_prairielearn(example_result())
    assert data["gradable"] is True and data["score"] == round(16 / 30, 6)
    assert set(data) == {"gradable", "score", "message", "output", "tests"}
    bonus_heavy = graded_result([scored_item(EXAMPLE_RUBRIC.items[0], [CaseResult("a", True,
                                                                                  False)]),
                                 scored_item(Item("extra", "Extra", 50.0, bonus=True),
                                             [CaseResult("b", True, False)])], 40.0)
    assert bonus_heavy.score == 40.0 and score_fraction(bonus_heavy) == 1.0
    nothing = graded_result([scored_item(EXAMPLE_RUBRIC.items[0],
                                         [CaseResult("a", False, False, "wrong")])], 4.0)
    assert score_fraction(nothing) == 0.0


def test_prairielearn_tests_one_per_item_with_hidden_cases_counted():
    data = to_prairielearn(example_result())
    assert [t["name"] for t in data["tests"]] == [
        "Sigmoid: forward and derivative", "MLP with hidden layers: backward", "Momentum",
        "LeakyReLU (bonus)", "Report: experiments and analysis (hand-graded)"]
    for test in data["tests"]:
        assert set(test) == {"name", "description", "points", "max_points", "message", "output"}
    sigmoid, backward, momentum, _, report = data["tests"]
    assert (sigmoid["points"], sigmoid["max_points"]) == (2.67, 4.0)
    assert sigmoid["message"] == ("2 of 3 cases passed. First failure: sigmoid_large_inputs: "
                                  "out: max abs error 0.5 at [0, 2] (expected 1.0, got 0.5); "
                                  "3 of 35 values differ")
    assert backward["output"].endswith("hidden cases: 0 of 1 passed")
    assert backward["message"] == "2 of 3 cases passed."
    assert (report["points"], report["max_points"]) == (0, 0)     # shown as information
    assert report["message"] == "Awaiting hand grading; not part of the autograder score."
    text = json.dumps(data)
    assert "hidden_backward_deep" not in text and "momentum_three_steps" not in text
    assert "expected 0.4, got 0.28" not in text


def test_prairielearn_error_result_is_not_gradable():
    data = to_prairielearn(example_error())
    assert data["gradable"] is False and data["score"] == 0.0
    assert data["format_errors"] == ["The autograder could not grade this submission (internal "
                                     "grader error); this is not a problem with your code."]
    assert all(t["points"] == 0 for t in data["tests"])
    assert data["tests"][0]["message"] == "Not graded: internal grader error"


def test_prairielearn_results_stay_under_1_mb_with_huge_messages(tmp_path):
    huge = "Δ" * 400_000 + HIDDEN_SECRET          # 2-byte characters, 800 KB a message
    items = [scored_item(Item(f"item{i}", f"Item {i}", 5.0),
                         [CaseResult(f"case{i}_{j}", False, j % 2 == 1, huge) for j in range(6)])
             for i in range(20)]
    result = graded_result(items, 100.0, flags=["forbidden-import:" + "x" * 100_000])
    result.release_hidden = True
    path = tmp_path / "results.json"
    write_prairielearn(path, result)
    raw = path.read_bytes()
    assert len(raw) <= MAX_BYTES
    data = json.loads(raw)
    assert len(data["tests"]) == 20 and data["score"] == 0.0
    assert "more characters cut to keep the results under 1 MB" in data["tests"][0]["output"]
    many = graded_result([scored_item(Item(f"i{i}", "N" * 300, 1.0),
                                      [CaseResult("c", False, False, huge[:5000])])
                          for i in range(4000)], 100.0)
    assert len(json.dumps(to_prairielearn(many), indent=2, ensure_ascii=False).encode()) \
        <= MAX_BYTES


def test_release_switch_off_shows_hidden_counts_only_everywhere():
    result = example_result()
    gradescope = json.dumps(to_gradescope(result))
    prairielearn = json.dumps(to_prairielearn(result))
    for text in (gradescope, prairielearn, to_table(result)):
        assert "expected 0.4, got 0.28" not in text and "hidden_backward_deep" not in text
    assert all(t["visibility"] == "visible" for t in to_gradescope(result)["tests"])


def test_release_switch_on_releases_hidden_messages():
    result = example_result(release_hidden=True)
    tests = to_gradescope(result)["tests"]
    released = [t for t in tests if t["visibility"] == "after_due_date"]
    # One test per item with a failed hidden case, without points: the score is unchanged.
    assert [t["extra_data"]["id"] for t in released] == ["hidden_backward", "momentum"]
    assert all("score" not in t and "max_score" not in t for t in released)
    assert released[0]["output"] == ("FAIL hidden_backward_deep: mlp.dW[0]: max abs error 0.12 "
                                     "at [3, 1] (expected 0.4, got 0.28)")
    assert to_gradescope(result)["score"] == to_gradescope(example_result())["score"]
    # The first item's visible test still counts its hidden cases only.
    assert "sigmoid_hidden_shapes" not in tests[0]["output"]
    data = to_prairielearn(result)
    assert "FAIL hidden_backward_deep: mlp.dW[0]" in data["tests"][1]["output"]
    assert data["tests"][1]["message"].endswith("First failure: hidden case "
                                                "hidden_backward_deep: mlp.dW[0]: max abs error "
                                                "0.12 at [3, 1] (expected 0.4, got 0.28)")
    assert data["score"] == to_prairielearn(example_result())["score"]
    errored = example_error()
    errored.release_hidden = True
    assert all(t["visibility"] == "visible" for t in to_gradescope(errored)["tests"])


def test_rubric_reads_the_release_switch(tmp_path):
    base = "cap = 10\n[[item]]\nid = \"a\"\npoints = 10\n"
    path = tmp_path / "rubric.toml"
    path.write_text(base)
    assert load_rubric(path).release_hidden_after_due is False
    path.write_text("release_hidden_after_due = true\n" + base)
    assert load_rubric(path).release_hidden_after_due is True
    path.write_text("release_hidden_after_due = \"yes\"\n" + base)
    with pytest.raises(RubricError, match="release_hidden_after_due must be true or false"):
        load_rubric(path)


# ---------------------------------------------------------------- Canvas

ROSTER = """\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,HW1 (123456),Quiz 1 (777)
    Points Possible,,,,,100,5
"Doe, Alice",101,S001,Alice,Sec 1,,
"Roe, Bob",102,S002,bob,Sec 1,,
"Poe, Carol",103,S003,carol,Sec 2,,
"Lee, Dana",104,dana,dlee,Sec 2,,
"Kim, Eve",105,S005,eve,Sec 2,,
"Twin, One",106,T1,twin,Sec 3,,
"Twin, Two",107,twin,ttwo,Sec 3,,
,,,,,Manual Posting,
"""


def graded_ok(score: float) -> GradeResult:
    item = scored_item(Item("a", "A", 100.0), [CaseResult("c", True, False)])
    result = graded_result([item], 100.0)
    result.score = score
    return result


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return canvas.read_roster(path)


def test_canvas_reads_a_gradebook_export(roster):
    assert [who.name for who in roster.students] == [
        "Doe, Alice", "Roe, Bob", "Poe, Carol", "Lee, Dana", "Kim, Eve", "Twin, One",
        "Twin, Two"]                   # the Points Possible and Manual Posting rows skipped
    assert roster.columns[0] == "Student"        # the byte-order mark is gone


def test_canvas_matches_by_login_or_sis_id_and_lists_the_rest(roster):
    rubric = Rubric(items=(Item("a", "A", 90.0), Item("report", "Report", 10.0, manual=True)),
                    cap=100.0)
    graded = [("alice", graded_ok(90.0)),     # SIS Login ID, any case
              ("S002", graded_ok(80.5)),      # SIS User ID
              ("dana", graded_ok(70.0)),      # Dana's SIS User ID
              ("dlee", graded_ok(60.0)),      # ... and her login: two submissions, one student
              ("eve", example_error()),       # the grader failed: no 0 imported
              ("twin", graded_ok(50.0)),      # one id, two roster students
              ("zed", graded_ok(40.0))]       # no one
    export = canvas.canvas_import(roster, graded, rubric, "HW1")
    assert [(who.name, sid, score) for who, sid, score in export.rows] == [
        ("Doe, Alice", "alice", 90.0), ("Roe, Bob", "S002", 80.5)]
    reasons = {entry["student"]: entry["reason"] for entry in export.unmatched}
    assert set(reasons) == {"dana", "dlee", "eve", "twin", "zed"}
    assert reasons["dana"] == reasons["dlee"] == ("dana and dlee both match roster student "
                                                  "Lee, Dana (dlee, dana); neither is imported")
    assert "grader failed" in reasons["eve"]
    assert reasons["twin"].startswith("matches several roster students: Twin, One (twin, T1); "
                                      "Twin, Two (ttwo, twin)")
    assert reasons["zed"] == "no roster student has this SIS Login ID or SIS User ID"
    assert [who.name for who in export.without_submission] == ["Poe, Carol", "Twin, One",
                                                               "Twin, Two"]
    assert export.hand_graded == [{"id": "report", "name": "Report", "points": 10.0,
                                   "awaiting": 2}]
    lines = export.report_lines("grades-canvas.csv")
    assert "canvas: report (10 points) is not included: hand-graded" in lines
    assert "  Poe, Carol (carol, S003)" in lines
    summary = export.to_json()
    assert summary["imported"] == 2 and len(summary["unmatched_submissions"]) == 5
    assert summary["roster_without_submission"][0] == {
        "student": "Poe, Carol", "sis_login_id": "carol", "sis_user_id": "S003",
        "section": "Sec 2"}


def test_canvas_file_has_the_header_and_points_possible_row(roster, tmp_path):
    rubric = Rubric(items=(Item("a", "A", 100.0),), cap=100.0)
    export = canvas.canvas_import(roster, [("alice", graded_ok(87.25))], rubric, "HW1")
    path = tmp_path / "import.csv"
    canvas.write_canvas(path, export)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW1 (123456)"],
                    ["    Points Possible", "", "", "", "", "100"],
                    ["Doe, Alice", "101", "S001", "Alice", "Sec 1", "87.25"]]


@pytest.mark.parametrize("requested, header, known", [
    ("HW1", "HW1 (123456)", True),                 # the name: the roster's column with its id
    ("HW1 (123456)", "HW1 (123456)", True),        # the exact header
    ("Quiz 1", "Quiz 1 (777)", True),
    ("HW2", "HW2", False),                         # Canvas creates a new assignment
])
def test_canvas_column_is_the_roster_s_or_a_new_one(roster, requested, header, known):
    assert canvas.resolve_column(requested, roster) == (header, known)


@pytest.mark.parametrize("content, words", [
    (None, "no such file"),
    (b"\xff\xfe\x00junk", "is not UTF-8"),
    (b"", "is empty"),
    (b"name,email\nAlice,a@x\n", "is not a Canvas gradebook export"),
])
def test_canvas_roster_errors_are_one_line(tmp_path, content, words):
    path = tmp_path / "roster.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=words) as info:
        canvas.read_roster(path)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------- through the commands

def run(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)


def hw1_solution(dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "solution" / "hw1" / "mlp", dest / "mlp",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.mark.slow
def test_grade_writes_prairielearn_and_releases_hidden_cases_under_the_switch(tmp_path):
    submission = hw1_solution(tmp_path / "buggy")
    path = submission / "mlp" / "activations.py"
    text = path.read_text()
    assert "np.tanh(x)" in text      # wrong for |x| >= 500: hidden tanh_wide_extremes fails
    path.write_text(text.replace("np.tanh(x)", "np.tanh(x) * (np.abs(x) < 500)", 1))
    rubric = tmp_path / "rubric.toml"
    original = (ROOT / "solution" / "hw1" / "grading" / "rubric.toml").read_text()
    rubric.write_text(original.replace("release_hidden_after_due = false",
                                       "release_hidden_after_due = true"))
    outputs = {}
    for name, extra in (("off", ()), ("on", ("--rubric", rubric))):
        gradescope, prairielearn = tmp_path / f"gs-{name}.json", tmp_path / f"pl-{name}.json"
        proc = run("grade", submission, "--assignment", "hw1", "--gradescope", gradescope,
                   "--prairielearn", prairielearn, "--autolab", *extra)
        assert proc.returncode == 0, proc.stderr
        outputs[name] = (json.loads(gradescope.read_text()), json.loads(prairielearn.read_text()),
                         proc.stdout)
    (gs_off, pl_off, out_off), (gs_on, pl_on, out_on) = outputs["off"], outputs["on"]
    hidden = {case["name"] for case in _hidden_failures(tmp_path, submission)}
    assert hidden, "the planted bug must fail a hidden case"
    assert gs_off["score"] == gs_on["score"] and pl_off["score"] == pl_on["score"]
    tanh = next(t for t in pl_on["tests"] if t["name"].startswith("Tanh"))
    assert tanh["points"] < tanh["max_points"]       # (bonus keeps the capped total at 100)
    assert 0 <= pl_on["score"] <= 1 and pl_on["gradable"] is True
    for data, stdout in ((gs_off, out_off), (pl_off, out_off)):
        assert not any(name in json.dumps(data) for name in hidden)
        assert not any(name in stdout for name in hidden)
    released = [t for t in gs_on["tests"] if t["visibility"] == "after_due_date"]
    assert released and all(t["extra_data"]["hidden_cases"] for t in released)
    assert any(name in json.dumps(pl_on["tests"]) for name in hidden)
    stdout = out_on.rstrip("\n").splitlines()
    assert json.loads(stdout[-1])["scores"]                  # the Autolab line stays last
    assert any(name in out_on for name in hidden)


def _hidden_failures(tmp: Path, submission: Path) -> list[dict]:
    path = tmp / "full.json"
    proc = run("grade", submission, "--assignment", "hw1", "--json", path)
    assert proc.returncode == 0, proc.stderr
    return [case for item in json.loads(path.read_text())["items"] for case in item["cases"]
            if case["hidden"] and not case["passed"]]


@pytest.mark.slow
def test_batch_writes_the_canvas_import_and_the_similarity_report(tmp_path):
    klass = tmp_path / "class"
    hw1_solution(klass / "alice")
    hw1_solution(klass / "Bob")
    (klass / "zed.zip").write_bytes(b"not a zip")
    roster = tmp_path / "roster.csv"
    roster.write_text(EXAMPLE_ROSTER, encoding="utf-8")
    out, export = tmp_path / "out", tmp_path / "canvas.csv"
    proc = run("batch", klass, "--out", out, "--jobs", "2", "--roster", roster, "--canvas",
               export, "--canvas-column", "HW1", "--similarity")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8"))))
    assert rows[0][-1] == "HW1 (123456)" and rows[1][-1] == "100"
    assert [(row[0], row[-1]) for row in rows[2:]] == [("Doe, Alice", "100"), ("Roe, Bob", "100")]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["canvas"]["unmatched_submissions"] == [
        {"student": "zed", "reason": "no roster student has this SIS Login ID or SIS User ID"}]
    assert [s["student"] for s in summary["canvas"]["roster_without_submission"]] == \
        ["Poe, Carol"]
    assert "zed: no roster student" in proc.stdout and "Poe, Carol (carol, S003)" in proc.stdout
    similarity = summary["similarity"]
    assert similarity["students"] == 2 and similarity["pairs"] == 1
    assert similarity["top"][0]["score"] == 1.0 and similarity["top"][0]["flagged"]
    assert [s["id"] for s in similarity["skipped"]] == ["zed"]
    assert (out / "similarity.csv").is_file() and (out / "similarity.html").is_file()
    assert "similarity: 1 pairs compared; 1 at or above 0.50" in proc.stdout
    assert (out / "grades.csv").is_file()


@pytest.mark.parametrize("extra, words", [
    (("--canvas", "{tmp}/x.csv"), "--roster and --canvas go together"),
    (("--roster", "{tmp}/missing.csv", "--canvas", "{tmp}/x.csv"), "no such file"),
    (("--roster", "{tmp}/roster.csv", "--canvas", "{tmp}"), "is a folder"),
    (("--canvas-column", "HW1"), "--canvas-column needs --canvas"),
    (("--against", "{tmp}"), "--against needs --similarity"),
    (("--similarity", "--against", "{tmp}/missing"), "--against"),
])
def test_batch_extras_refuse_bad_flags_before_grading(tmp_path, extra, words):
    (tmp_path / "roster.csv").write_text(EXAMPLE_ROSTER)
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / "hw1.py").write_text("x = 1\n")
    out = tmp_path / "out"
    proc = run("batch", klass, "--out", out, *(arg.format(tmp=tmp_path) for arg in extra))
    assert proc.returncode == 2
    assert words in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
    assert not out.exists()                  # refused before anything was graded


if __name__ == "__main__":
    import tempfile
    if sys.argv[1:] != ["--update-docs"]:
        sys.exit("usage: python tests/test_platforms.py --update-docs")
    with tempfile.TemporaryDirectory() as folder:
        update_docs(Path(folder))
    print(f"updated the examples in {FORMATS_MD}")
