"""The Result model, its scoring, every output format field by field, and atomic writes."""
from __future__ import annotations

import csv
import io
import json
import os
import stat

import pytest

from autograder.results import (CaseResult, GradeResult, ItemResult, ResultFormatError,
                                autolab_line, csv_header, csv_row, csv_text, error_result,
                                read_json, to_gradescope, to_json, to_prairielearn, to_table,
                                use_color, write_csv, write_gradescope, write_json,
                                write_prairielearn)
from autograder.grade.score import graded_result, score_item, scored_item, total
from autograder.files import atomic_writer, write_bytes, write_text
from autograder.results.scoring import format_points, reported_scores, round2
from autograder.results.table import WIDTH, _fit, to_ascii

HIDDEN_SECRET = "hidden input was [[0.5, -3.25]]"
UNICODE_MESSAGE = "mlp.dW[1]: expected shape (3, 4), got (4, 3) — Δ=∞ café 日本"

RUBRIC = [
    {"id": "sigmoid", "name": "Sigmoid: forward and derivative", "points": 4},
    {"id": "hidden_backward", "name": "MLP with hidden layers: backward", "points": 14},
    {"id": "momentum", "name": "Momentum", "points": 10, "all_or_nothing": True},
    {"id": "training_stats", "name": "get_training_stats", "points": 72},
    {"id": "leaky_relu", "name": "LeakyReLU", "points": 4, "bonus": True},
    {"id": "weight_decay", "name": "Weight decay", "points": 6, "bonus": True},
]
IDS = [spec["id"] for spec in RUBRIC]


def cases(prefix, passed, hidden=(), messages=None):
    """One CaseResult per entry of ``passed``; indices in ``hidden`` are hidden cases."""
    messages = messages or {}
    return [CaseResult(f"{prefix}_{i}", ok, i in hidden,
                       "" if ok else messages.get(i, f"{prefix}_{i} wrong value"))
            for i, ok in enumerate(passed)]


def partial_result(flags=()):
    """Raw sum 2 + 28/3 + 0 + 72 + 4 + 0 = 87.33..., under the cap."""
    items = [
        scored_item(RUBRIC[0], cases("sig", [True, False, True, False], hidden={2, 3},
                                     messages={1: UNICODE_MESSAGE, 3: HIDDEN_SECRET})),
        scored_item(RUBRIC[1], cases("hb", [True, True, False])),
        scored_item(RUBRIC[2], cases("mom", [True, True, True, False])),
        scored_item(RUBRIC[3], cases("ts", [True, True])),
        scored_item(RUBRIC[4], cases("lrelu", [True])),
        scored_item(RUBRIC[5], cases("wd", [False], hidden={0}, messages={0: HIDDEN_SECRET})),
    ]
    return graded_result(items, 100, flags=list(flags), suite="all",
                         submission="submissions/alice.zip", seconds=1.23456, output="printed")


def over_cap_result():
    """Regular 2 + 14 + 10 + 72 = 98, bonus 4 + 6: raw 108, capped to 100."""
    items = [
        scored_item(RUBRIC[0], cases("sig", [True, False])),
        scored_item(RUBRIC[1], cases("hb", [True])),
        scored_item(RUBRIC[2], cases("mom", [True])),
        scored_item(RUBRIC[3], cases("ts", [True])),
        scored_item(RUBRIC[4], cases("lrelu", [True])),
        scored_item(RUBRIC[5], cases("wd", [True])),
    ]
    return graded_result(items, 100, suite="visible", submission="bob", seconds=0.5)


def crashed_result():
    return error_result(RUBRIC, 100, "worker could not start: out of memory",
                        suite="all", submission="carol", seconds=2.0)


# ---------------------------------------------------------------- scoring

def test_score_item_is_proportional_and_exact():
    assert score_item(14, 2, 3) == pytest.approx(28 / 3, abs=0)
    assert score_item(4, 4, 4) == 4.0
    assert score_item(4, 0, 4) == 0.0


def test_all_or_nothing_item_needs_every_case():
    assert score_item(10, 3, 4, all_or_nothing=True) == 0.0
    assert score_item(10, 4, 4, all_or_nothing=True) == 10.0


def test_item_without_cases_scores_zero_and_bad_counts_are_rejected():
    assert score_item(5, 0, 0) == 0.0
    with pytest.raises(ValueError):
        score_item(5, 4, 3)
    with pytest.raises(ValueError):
        score_item(-1, 0, 1)


def test_total_includes_bonus_and_is_capped():
    assert partial_result().score == pytest.approx(2 + 28 / 3 + 72 + 4)
    assert over_cap_result().raw_score == 108
    assert total(over_cap_result().items, 100) == 100.0
    assert over_cap_result().score == 100.0 and over_cap_result().max_score == 100.0


def test_round2_rounds_half_up_on_the_decimal_value():
    assert round2(2.675) == 2.68     # round() gives 2.67 (binary 2.67499...)
    assert round2(0.125) == 0.13
    assert round2(28 / 3) == 9.33
    assert format_points(4.0) == "4" and format_points(9.5) == "9.5"
    assert format_points(28 / 3) == "9.33"


def test_reported_scores_take_the_excess_from_the_last_bonus_item_first():
    scores = reported_scores(over_cap_result().items, 100)
    assert list(scores) == IDS
    assert scores == {"sigmoid": 2.0, "hidden_backward": 14.0, "momentum": 10.0,
                      "training_stats": 72.0, "leaky_relu": 2.0, "weight_decay": 0.0}
    assert sum(scores.values()) == 100.0


def test_reported_scores_add_up_to_the_rounded_total_despite_rounding():
    thirds = [ItemResult(f"part{i}", "part", 1 / 3, 1.0, False) for i in range(3)]
    scores = reported_scores(thirds, total(thirds, 100))
    assert scores == {"part0": 0.34, "part1": 0.33, "part2": 0.33}


def test_reported_scores_reduce_regular_items_when_the_cap_is_below_them():
    items = [ItemResult("a", "a", 6.0, 6.0, False), ItemResult("b", "b", 6.0, 6.0, False),
             ItemResult("x", "x", 1.0, 1.0, True)]
    assert reported_scores(items, 10.0) == {"a": 6.0, "b": 4.0, "x": 0.0}


# ---------------------------------------------------------------- model

def test_scored_item_reads_rubric_objects_and_mappings():
    from autograder.grade.rubric import Item
    item = scored_item(Item("momentum", "Momentum", 10.0, False, True),
                       cases("m", [True, False]))
    assert (item.id, item.name, item.score, item.max_score, item.bonus) == \
        ("momentum", "Momentum", 0.0, 10.0, False)
    assert scored_item(RUBRIC[4], cases("l", [True])).bonus is True


def test_error_result_has_every_item_at_zero_and_the_reason():
    result = crashed_result()
    assert result.status == "error" and result.score == 0.0 and result.max_score == 100.0
    assert [item.id for item in result.items] == IDS
    assert all(item.score == 0.0 and item.cases == [] for item in result.items)
    assert [item.max_score for item in result.items] == [4, 14, 10, 72, 4, 6]
    assert result.error == "worker could not start: out of memory"


def test_status_must_be_known():
    with pytest.raises(ValueError):
        GradeResult(0.0, 100.0, [], status="done")


# ---------------------------------------------------------------- JSON view

def test_json_has_every_field_with_rounded_scores():
    result = partial_result(flags=["forbidden-import:torch"])
    data = to_json(result)
    assert set(data) == {"score", "max_score", "items", "flags", "suite", "submission",
                         "seconds", "status", "error", "output", "release_hidden", "format"}
    assert data["score"] == 87.33 and data["max_score"] == 100.0
    assert data["flags"] == ["forbidden-import:torch"]
    assert (data["suite"], data["submission"], data["seconds"], data["status"], data["error"],
            data["output"], data["format"]) == \
        ("all", "submissions/alice.zip", 1.235, "graded", "", "printed", 1)
    assert data["release_hidden"] is False
    assert [item["id"] for item in data["items"]] == IDS
    hb = data["items"][1]
    assert hb == {"id": "hidden_backward", "name": "MLP with hidden layers: backward",
                  "score": 9.33, "max_score": 14.0, "bonus": False, "manual": False,
                  "hand_graded": False, "comment": "",
                  "passed": 2, "total": 3, "excused": 0,
                  "cases": [{"name": "hb_0", "passed": True, "hidden": False, "excused": False,
                             "message": ""},
                            {"name": "hb_1", "passed": True, "hidden": False, "excused": False,
                             "message": ""},
                            {"name": "hb_2", "passed": False, "hidden": False, "excused": False,
                             "message": "hb_2 wrong value"}]}
    assert data["items"][2]["score"] == 0.0          # all-or-nothing, 3 of 4
    assert data["items"][4]["bonus"] is True
    assert data["items"][0]["cases"][1]["message"] == UNICODE_MESSAGE
    assert data["items"][0]["cases"][3] == {"name": "sig_3", "passed": False, "hidden": True,
                                            "excused": False, "message": HIDDEN_SECRET}


def test_json_round_trips_through_from_dict(tmp_path):
    result = partial_result(flags=["forbidden-import:torch"])
    again = GradeResult.from_dict(json.loads(json.dumps(to_json(result))))
    assert to_json(again) == to_json(result)
    assert again.items[0].cases == result.items[0].cases
    assert again.items[1].score == 9.33 and result.items[1].score != 9.33   # the model stays exact
    exact = over_cap_result()
    assert GradeResult.from_dict(to_json(exact)) == exact     # scores already at 2 decimals
    write_json(tmp_path / "r.json", crashed_result())
    assert read_json(tmp_path / "r.json") == crashed_result()


def test_json_file_is_utf8_with_unicode_kept(tmp_path):
    path = tmp_path / "alice.json"
    write_json(path, partial_result())
    raw = path.read_bytes()
    assert UNICODE_MESSAGE.encode("utf-8") in raw and raw.endswith(b"}\n")
    assert read_json(path).items[0].cases[1].message == UNICODE_MESSAGE


@pytest.mark.parametrize("change, words", [
    (lambda d: d.pop("items"), "missing field 'items'"),
    (lambda d: d.update(status="finished"), "status"),
    (lambda d: d.update(score="87"), "'score' must be a finite number"),
    (lambda d: d.update(score=float("nan")), "'score' must be a finite number"),
    (lambda d: d["items"][0].update(bonus="no"), "item 'sigmoid': field 'bonus' must be bool"),
    (lambda d: d["items"][0]["cases"][0].pop("hidden"), "case 'sig_0': missing field 'hidden'"),
    (lambda d: d.update(flags=[1]), "flag"),
])
def test_from_dict_rejects_malformed_results(change, words):
    data = to_json(partial_result())
    change(data)
    with pytest.raises(ResultFormatError, match=words.replace("(", r"\(").replace("[", r"\[")):
        GradeResult.from_dict(data)


def test_read_json_rejects_a_truncated_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"score": 1', encoding="utf-8")
    with pytest.raises(ResultFormatError, match="not a JSON result"):
        read_json(path)


# ---------------------------------------------------------------- Gradescope

def test_gradescope_top_level_fields():
    data = to_gradescope(partial_result(flags=["forbidden-import:torch"]))
    assert set(data) == {"score", "execution_time", "output", "output_format",
                         "test_output_format", "stdout_visibility", "tests"}
    assert data["score"] == 87.33 and data["execution_time"] == 1.23
    assert data["output_format"] == "text" and data["test_output_format"] == "text"
    assert data["stdout_visibility"] == "hidden"
    assert data["output"].splitlines() == [
        "Score: 87.33 / 100 (10 of 15 cases passed)",
        "Bonus items earned 4 points.",
        "Flags:",
        "- forbidden-import:torch (the submission imports torch; only numpy and the Python "
        "standard library are allowed)",
    ]


def test_gradescope_tests_one_per_item_with_visible_details_only():
    tests = to_gradescope(partial_result())["tests"]
    assert [t["extra_data"]["id"] for t in tests] == IDS
    for test in tests:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility",
                             "extra_data"}
        assert test["visibility"] == "visible"
    sigmoid, hb, momentum, stats, lrelu, wd = tests
    assert sigmoid == {
        "name": "Sigmoid: forward and derivative", "score": 2.0, "max_score": 4.0,
        "status": "failed", "visibility": "visible",
        "extra_data": {"id": "sigmoid", "bonus": False},
        "output": "visible cases: 1 of 2 passed\n  PASS sig_0\n"
                  f"  FAIL sig_1: {UNICODE_MESSAGE}\nhidden cases: 1 of 2 passed",
    }
    assert (hb["score"], hb["max_score"], hb["status"]) == (9.33, 14.0, "failed")
    assert (momentum["score"], momentum["status"]) == (0.0, "failed")
    assert (stats["score"], stats["status"]) == (72.0, "passed")
    assert lrelu["name"] == "LeakyReLU (bonus)" and lrelu["extra_data"]["bonus"] is True
    assert wd["output"] == "hidden cases: 0 of 1 passed"
    assert (wd["score"], wd["status"]) == (0.0, "failed")


def test_gradescope_never_reveals_hidden_cases_or_captured_output():
    text = json.dumps(to_gradescope(partial_result()), ensure_ascii=False)
    assert HIDDEN_SECRET not in text
    assert "sig_2" not in text and "sig_3" not in text and "wd_0" not in text
    assert "printed" not in text


def test_gradescope_file_is_utf8_with_unicode_kept(tmp_path):
    path = tmp_path / "results.json"
    write_gradescope(path, partial_result())
    assert UNICODE_MESSAGE.encode("utf-8") in path.read_bytes()
    assert json.loads(path.read_text(encoding="utf-8")) == to_gradescope(partial_result())


def test_gradescope_score_is_the_capped_total_over_a_larger_test_sum():
    data = to_gradescope(over_cap_result())
    assert data["score"] == 100.0
    assert sum(t["score"] for t in data["tests"]) == 108.0
    assert "Bonus items earned 10 points; the total is capped at 100." in data["output"]


def test_gradescope_error_result_is_complete_and_shows_the_reason(tmp_path):
    path = tmp_path / "results.json"
    write_gradescope(path, crashed_result())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["score"] == 0.0
    assert [t["extra_data"]["id"] for t in data["tests"]] == IDS
    for test, spec in zip(data["tests"], RUBRIC):
        assert test["score"] == 0.0 and test["max_score"] == spec["points"]
        assert test["status"] == "failed"
        assert test["output"] == "Not graded: worker could not start: out of memory"
    assert data["output"].startswith("The autograder could not grade this submission "
                                     "(worker could not start: out of memory).")


# ---------------------------------------------------------------- PrairieLearn

def test_prairielearn_never_reveals_hidden_cases_or_captured_output():
    text = json.dumps(to_prairielearn(partial_result()), ensure_ascii=False)
    assert HIDDEN_SECRET not in text
    assert "sig_2" not in text and "sig_3" not in text and "wd_0" not in text
    assert "printed" not in text


def test_prairielearn_file_is_utf8_and_matches_the_view(tmp_path):
    path = tmp_path / "results.json"
    write_prairielearn(path, partial_result())
    assert UNICODE_MESSAGE.encode("utf-8") in path.read_bytes()
    assert json.loads(path.read_text(encoding="utf-8")) == to_prairielearn(partial_result())


def test_prairielearn_over_cap_and_error_results():
    assert to_prairielearn(over_cap_result())["score"] == 1.0
    assert to_prairielearn(partial_result())["score"] == round(partial_result().score / 100, 6)
    crashed = to_prairielearn(crashed_result())
    assert crashed["gradable"] is False and crashed["score"] == 0.0
    assert all(t["output"] == "" and t["message"] == "Not graded: worker could not start: out "
               "of memory" for t in crashed["tests"])


def test_grader_tracebacks_never_reach_students():
    result = error_result(RUBRIC, 100, 'Traceback (most recent call last):\n  File '
                          '"/autograder/source/autograder/grade/run.py", line 3\nKeyError: 1')
    text = json.dumps(to_gradescope(result)) + to_table(result) + \
        json.dumps(to_prairielearn(result))
    assert "Traceback" not in text and "run.py" not in text and "KeyError" not in text
    assert "internal grader error" in text


# ---------------------------------------------------------------- Autolab

def test_autolab_line_is_exact():
    assert autolab_line(partial_result()) == (
        '{"scores":{"sigmoid":2.0,"hidden_backward":9.33,"momentum":0.0,'
        '"training_stats":72.0,"leaky_relu":4.0,"weight_decay":0.0}}')


def test_autolab_scores_add_up_to_the_capped_total():
    line = autolab_line(over_cap_result())
    assert "\n" not in line
    scores = json.loads(line)["scores"]
    assert list(scores) == IDS
    assert sum(scores.values()) == 100.0
    assert scores["weight_decay"] == 0.0 and scores["leaky_relu"] == 2.0


def test_autolab_error_result_gives_every_item_zero():
    assert json.loads(autolab_line(crashed_result())) == {"scores": dict.fromkeys(IDS, 0.0)}


# ---------------------------------------------------------------- table

def test_table_shows_items_points_and_first_failure():
    lines = to_table(partial_result(flags=["forbidden-import:torch"])).splitlines()
    assert lines[0].split() == ["item", "score", "cases", "first", "failure"]
    row = {line.split()[0]: line for line in lines[2:8]}
    assert row["sigmoid"].split()[1:5] == ["2.00", "/", "4", "2/4"]
    assert row["sigmoid"].endswith("sig_1: mlp.dW[1]: expected shape (3, 4), got (...")
    assert row["hidden_backward"].split()[1:5] == ["9.33", "/", "14", "2/3"]
    assert row["hidden_backward"].endswith("hb_2: hb_2 wrong value")
    assert row["training_stats"].split()[1:] == ["72.00", "/", "72", "2/2"]
    assert row["weight_decay"].endswith("1 hidden case(s) failed")
    assert "leaky_relu (bonus)" in lines[6]
    assert any(line.startswith("total (all)") and "87.33 / 100" in line for line in lines)
    assert any(line.startswith("flag: forbidden-import:torch") for line in lines)


def test_table_is_plain_ascii_within_100_columns_without_colour():
    text = to_table(partial_result(flags=["forbidden-import:" + "x" * 150]))
    assert text.isascii() and "\033" not in text
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    assert "..." in text                                   # the long sigmoid message was cut
    unicode_case = cases("s", [False], messages={0: "Δ=∞ café 日本"})
    text = to_table(graded_result([scored_item(RUBRIC[0], unicode_case)], 4))
    assert "s_0: \\u0394=\\u221e cafe \\u65e5\\u672c" in text and text.isascii()


def test_table_hides_hidden_messages_unless_asked():
    assert HIDDEN_SECRET not in to_table(partial_result())
    shown = to_table(partial_result(), show_hidden=True)
    assert "[hidden] wd_0: " + HIDDEN_SECRET in shown


def test_table_colours_scores_only_when_asked():
    coloured = to_table(partial_result(), color=True)
    assert "\033[32m" in coloured and "\033[31m" in coloured and "\033[33m" in coloured
    plain = [line for line in coloured.replace("\033[32m", "").replace("\033[31m", "")
             .replace("\033[33m", "").replace("\033[0m", "").splitlines()]
    assert plain == to_table(partial_result()).splitlines()


def test_table_escapes_control_characters_and_transliterates():
    assert to_ascii("café\x1b[2J\tΔ") == "cafe\\x1b[2J\\x09\\u0394"
    result = graded_result([scored_item(RUBRIC[0], cases("s", [False],
                                                           messages={0: "boom\x1b[2J"}))], 4)
    assert "\x1b" not in to_table(result)


@pytest.mark.parametrize("text", [
    "x" * 10, "Δ" * 500, "e\u0301" * 300, "\u0301" * 5000 + "tail", "ﬁ" * 200,
    "\U0001F600" * 50, "a" * 99, "a" * 100, "a" * 101])
def test_table_cells_fit_a_prefix_as_the_whole_text_would(text):
    def whole(value, width):
        value = to_ascii(value)
        return value if len(value) <= width else value[:width - 3] + "..."
    for width in (7, 24, 49):
        assert _fit(text, width) == whole(text, width)


def test_table_of_an_error_result():
    lines = to_table(crashed_result()).splitlines()
    assert lines[0] == "GRADER ERROR: worker could not start: out of memory"
    assert sum(line.endswith("not graded") for line in lines) == len(RUBRIC)


def test_use_color_only_for_terminals(monkeypatch):
    class Stream(io.StringIO):
        def __init__(self, tty):
            super().__init__()
            self.tty = tty

        def isatty(self):
            return self.tty

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(Stream(True)) is True
    assert use_color(Stream(False)) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Stream(True)) is False


# ---------------------------------------------------------------- CSV

def test_csv_header_and_rows_in_rubric_order():
    assert csv_header(IDS) == ["student", "total", *IDS, "flags"]
    assert csv_row("alice", partial_result(["forbidden-import:torch", "late"]), IDS) == \
        ["alice", "87.33", "2", "9.33", "0", "72", "4", "0", "forbidden-import:torch;late"]
    assert csv_row("bob", over_cap_result(), IDS) == \
        ["bob", "100", "2", "14", "10", "72", "4", "6", ""]
    assert csv_row("carol", crashed_result(), IDS) == \
        ["carol", "0", "0", "0", "0", "0", "0", "0", "grader-error"]


def test_csv_follows_the_given_columns_and_leaves_missing_items_empty():
    assert csv_row("bob", over_cap_result(), ["weight_decay", "extra", "sigmoid"]) == \
        ["bob", "100", "6", "", "2", ""]


def test_csv_file_parses_back_with_quoting(tmp_path):
    path = tmp_path / "grades.csv"
    students = [('Doe, "Jane"', partial_result()), ("Łukasz", crashed_result())]
    write_csv(path, IDS, students)
    text = path.read_text(encoding="utf-8")
    assert text == csv_text(IDS, students)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == csv_header(IDS)
    assert rows[1][0] == 'Doe, "Jane"' and rows[2][0] == "Łukasz"
    assert [len(row) for row in rows] == [len(IDS) + 3] * 3


# ---------------------------------------------------------------- atomic writes

def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_atomic_write_creates_and_replaces_without_temp_files(tmp_path):
    path = tmp_path / "results.json"
    write_text(path, "first ✓\n")
    assert path.read_text(encoding="utf-8") == "first ✓\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    path.chmod(0o600)
    write_bytes(path, b"second")
    assert path.read_bytes() == b"second"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["results.json"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_writer_that_raises_leaves_the_old_file_and_no_temp(tmp_path, error):
    path = tmp_path / "grades.csv"
    path.write_text("old complete file\n", encoding="utf-8")
    with pytest.raises(error):
        with atomic_writer(path) as stream:
            stream.write("half of the new ")
            stream.flush()
            raise error("interrupted")
    assert path.read_text(encoding="utf-8") == "old complete file\n"
    assert leftovers(tmp_path) == []


def test_a_failed_first_write_leaves_nothing(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        write_text(tmp_path / "new.json", "bad \udc80 surrogate")
    with pytest.raises(ValueError):
        with atomic_writer(tmp_path / "other.json") as stream:
            stream.write("partial")
            raise ValueError("writer failed")
    assert os.listdir(tmp_path) == []


def test_writing_over_a_directory_fails_cleanly(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(IsADirectoryError):
        write_text(tmp_path / "out", "x")
    assert os.listdir(tmp_path) == ["out"]
