"""The similarity report (autograder/similarity/): copies are found, independent work is not,
the handout does not count, and the outputs are well formed."""
from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from autograder.assignments import choose
from autograder.batch.inputs import find_students
from autograder.similarity import run as similarity_run
from autograder.similarity.compare import compare, fingerprint
from autograder.similarity.corpus import build_document

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from synthetic_class import (make_class, rename_locals, reorder_definitions,  # noqa: E402
                             reword_comments, strip_markers)

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solution" / "hw1" / "mlp"
ALTERNATIVES = ROOT / "tests" / "alternatives" / "hw1"
INDEPENDENT = 0.3     # the alternatives against the solution score at most 0.2


@pytest.fixture(scope="module")
def hw1():
    return choose("hw1")


def _package(folder: Path, sources: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in sources.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _solution_sources() -> dict[str, str]:
    return {p.name: strip_markers(p.read_text(encoding="utf-8"))
            for p in sorted(SOLUTION.glob("*.py"))}


def _report(folder: Path, hw1, out: Path, **options) -> tuple[dict, list[dict]]:
    summary = similarity_run.run_similarity(find_students(folder, str(folder)), hw1, out,
                                            **options)
    with open(out / "similarity.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    return summary, rows


def _score(rows: list[dict], a: str, b: str) -> float:
    found = [r for r in rows if {r["a"], r["b"]} == {a, b}]
    assert len(found) == 1, (a, b)
    return float(found[0]["score"])


def _changed_lines(before: str, after: str) -> int:
    return len(set(after.splitlines()) - set(before.splitlines()))


def test_renamed_copy_with_new_comments_is_the_top_pair(tmp_path, hw1):
    original = (ALTERNATIVES / "single_file" / "hw1.py").read_text(encoding="utf-8")
    disguised = reword_comments(rename_locals(original, random.Random(3)), random.Random(4))
    assert _changed_lines(original, disguised) > 40          # really renamed and reworded
    compile(disguised, "hw1.py", "exec")
    cls = tmp_path / "class"
    _package(cls / "alice", {"hw1.py": original})
    _package(cls / "bob", {"hw1.py": disguised})
    shutil.copytree(SOLUTION, cls / "carol" / "mlp")
    summary, rows = _report(cls, hw1, tmp_path / "out")

    assert {rows[0]["a"], rows[0]["b"]} == {"alice", "bob"}
    assert float(rows[0]["score_a"]) > 0.95 and float(rows[0]["score_b"]) > 0.95
    assert _score(rows, "alice", "carol") < INDEPENDENT
    assert summary["flagged"][0]["score"] > 0.95 and summary["flagged_total"] == 1


def test_copy_with_functions_in_another_order_is_found(tmp_path, hw1):
    sources = _solution_sources()
    rng = random.Random(7)
    reordered = {name: reorder_definitions(text, rng) for name, text in sources.items()}
    assert sum(sources[n] != reordered[n] for n in sources) >= 5
    cls = tmp_path / "class"
    _package(cls / "alice" / "mlp", sources)
    _package(cls / "bob" / "mlp", reordered)
    shutil.copytree(ALTERNATIVES / "vector_biases", cls / "carol")
    _, rows = _report(cls, hw1, tmp_path / "out")

    assert {rows[0]["a"], rows[0]["b"]} == {"alice", "bob"}
    assert float(rows[0]["score"]) > 0.85
    assert _score(rows, "alice", "carol") < INDEPENDENT


def test_independent_correct_solutions_score_low(tmp_path, hw1):
    cls = tmp_path / "class"
    shutil.copytree(SOLUTION, cls / "solution" / "mlp")
    for name in ("layer_objects", "vector_biases", "single_file"):
        shutil.copytree(ALTERNATIVES / name, cls / name)
    summary, rows = _report(cls, hw1, tmp_path / "out")

    assert summary["students"] == 4 and summary["pairs"] == len(rows) == 6
    assert all(float(r["score"]) < INDEPENDENT for r in rows), rows
    assert summary["flagged"] == [] and summary["flagged_total"] == 0


def test_the_handouts_code_does_not_make_independent_work_similar(tmp_path, hw1, built_handout):
    # Both students keep every file of the starter package next to their own (independent)
    # code: without the handout's lines left out, that shared code alone makes them alike.
    handout = built_handout("hw1")
    starter = {f"starter/{p.name}": p.read_text(encoding="utf-8")
               for p in sorted((handout / "mlp").glob("*.py"))}
    cls = tmp_path / "class"
    for student, alternative in (("alice", "layer_objects"), ("bob", "vector_biases")):
        shutil.copytree(ALTERNATIVES / alternative, cls / student)
        for name, text in starter.items():
            target = cls / student / "mlp" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    _package(cls / "untouched", {f"mlp/{p.name}": p.read_text(encoding="utf-8")
                                 for p in sorted((handout / "mlp").glob("*.py"))})

    summary, rows = _report(cls, hw1, tmp_path / "out", handout=handout)
    assert _score(rows, "alice", "bob") < INDEPENDENT
    assert summary["handout_only"] == ["untouched"]
    assert _score(rows, "alice", "untouched") == _score(rows, "bob", "untouched") == 0.0
    assert summary["boilerplate"]["files"] > 0

    no_handout = tmp_path / "no-handout"
    no_handout.mkdir()
    _, plain = _report(cls, hw1, tmp_path / "out-plain", handout=no_handout)
    assert _score(plain, "alice", "bob") > max(0.45, 3 * _score(rows, "alice", "bob"))
    assert _score(plain, "alice", "untouched") > 0.5


def test_against_compares_students_with_references_only(tmp_path, hw1):
    cls = tmp_path / "class"
    sources = _solution_sources()
    rng = random.Random(11)
    _package(cls / "alice" / "mlp",
             {n: reword_comments(rename_locals(t, rng), rng) for n, t in sources.items()})
    shutil.copytree(ALTERNATIVES / "single_file", cls / "bob")
    refs = tmp_path / "past"
    shutil.copytree(SOLUTION, refs / "solution_2023" / "mlp")
    shutil.copytree(ALTERNATIVES / "layer_objects", refs / "forum_post")
    summary = similarity_run.run_similarity(
        find_students(cls, str(cls)), hw1, tmp_path / "out",
        references=find_students(refs, str(refs)))
    with open(tmp_path / "out" / "similarity.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))

    assert summary["students"] == 2 and summary["references"] == 2
    assert summary["pairs"] == len(rows) == 1 + 2 * 2            # no reference/reference pair
    kinds = {(r["a"], r["b"]): r["kind"] for r in rows}
    assert kinds == {("alice", "bob"): "student/student",
                     ("alice", "solution_2023"): "student/reference",
                     ("alice", "forum_post"): "student/reference",
                     ("bob", "solution_2023"): "student/reference",
                     ("bob", "forum_post"): "student/reference"}
    assert rows[0]["a"] == "alice" and rows[0]["b"] == "solution_2023"
    assert float(rows[0]["score"]) > 0.95
    assert summary["flagged"][0] == {**summary["flagged"][0], "a": "alice",
                                     "b": "solution_2023", "kind": "student/reference"}


def test_a_submission_without_locatable_code_is_skipped_with_its_reason(tmp_path, hw1):
    cls = tmp_path / "class"
    shutil.copytree(SOLUTION, cls / "alice" / "mlp")
    shutil.copytree(ALTERNATIVES / "single_file", cls / "bob")
    _package(cls / "carol", {"notes.txt": "I ran out of time\n"})
    (cls / "dave.zip").write_bytes(b"this is not a zip file at all")
    _package(cls / "erin", {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    (cls / "frank.pdf").write_bytes(b"%PDF-1.4 not code")
    summary, rows = _report(cls, hw1, tmp_path / "out")

    reasons = {s["id"]: s["reason"] for s in summary["skipped"]}
    assert sorted(reasons) == ["carol", "dave", "erin", "frank"]
    assert all(reason and "\n" not in reason for reason in reasons.values())
    assert "no mlp/ package or .py file" in reasons["carol"]
    assert "a.py" in reasons["erin"] and "b.py" in reasons["erin"]
    assert {s["kind"] for s in summary["skipped"]} == {"student"}
    assert summary["students"] == 2 and summary["pairs"] == len(rows) == 1
    html = (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")
    assert "Not compared" in html and "dave" in html


def test_csv_and_html_are_well_formed_and_student_code_is_escaped(tmp_path, hw1):
    cls = tmp_path / "class"
    planted = ('\nBANNER = "<script>alert(\'pwned\')</script>"  # </pre><script>x()</script>\n'
               "def _shout(text):\n    return text.upper() + ' & <b>done</b>'\n")
    sources = _solution_sources()
    for student in ("eve", "mallory <img src=x>"):
        _package(cls / student / "mlp", {**sources, "activations.py":
                                         sources["activations.py"] + planted})
    for name in ("layer_objects", "single_file"):
        shutil.copytree(ALTERNATIVES / name, cls / name)
    summary, rows = _report(cls, hw1, tmp_path / "out", top=3)

    assert list(rows[0]) == ["a", "b", "kind", "score", "score_a", "score_b", "shared_tokens_a",
                             "shared_tokens_b", "shared_lines_a", "shared_lines_b"]
    assert len(rows) == summary["pairs"] == 6
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    for r in rows:
        assert float(r["score"]) == max(float(r["score_a"]), float(r["score_b"]))
        assert 0.0 <= float(r["score"]) <= 1.0 and r["kind"] == "student/student"
        assert int(r["shared_tokens_a"]) >= 0 and int(r["shared_lines_b"]) >= 0
    assert {rows[0]["a"], rows[0]["b"]} == {"eve", "mallory <img src=x>"}
    assert int(rows[0]["shared_lines_a"]) > 50

    text = (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")
    ET.fromstring(text.split("\n", 1)[1])          # well-formed (after the doctype line)
    lowered = text.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b>" not in lowered
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in text
    assert "mallory &lt;img src=x&gt;" in text
    assert "http://" not in lowered and "https://" not in lowered and "<link" not in lowered
    assert text.count("<section id=\"pair-") == 3
    assert "<mark>" in text and "class=\"bp\"" in text     # shared code, greyed handout lines
    assert summary["top"][0]["a"] in ("eve", "mallory <img src=x>")
    assert set(summary) >= {"pairs", "students", "skipped", "threshold", "flagged", "seconds"}
    json.dumps(summary, allow_nan=False)


def test_scores_are_copydetects_compare_files(hw1):
    from copydetect import compare_files

    docs = []
    for name, folder in (("solution", SOLUTION), ("single", ALTERNATIVES / "single_file"),
                         ("layers", ALTERNATIVES / "layer_objects" / "mlp")):
        files = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.py"))]
        docs.append(build_document(name, "student", files, frozenset()))
    prints = [fingerprint(doc) for doc in docs]
    as_copydetect = [types.SimpleNamespace(
        k=fp.k, hashes=set(fp.keys.tolist()), filtered_code=" " * len(doc.stream),
        token_coverage=fp.coverage, offsets=[],
        hash_idx={int(key): fp.pos[fp.ptr[i]:fp.ptr[i + 1]].tolist()
                  for i, key in enumerate(fp.keys)})
        for doc, fp in zip(docs, prints)]
    for i in range(3):
        for j in range(3):
            if i != j:
                ours = compare(docs[i], prints[i], docs[j], prints[j])
                overlap, (sim_i, sim_j), _ = compare_files(as_copydetect[i], as_copydetect[j])
                assert ours.tokens_a == overlap
                assert ours.score_a == pytest.approx(sim_i, abs=1e-12)
                assert ours.score_b == pytest.approx(sim_j, abs=1e-12)


def test_a_synthetic_class_puts_the_copies_on_top(tmp_path, hw1):
    copies = make_class(tmp_path / "class", 30, seed=5)
    assert len(copies) == 3
    summary, rows = _report(tmp_path / "class", hw1, tmp_path / "out")
    assert summary["pairs"] == 30 * 29 // 2
    involved = set(copies) | set(copies.values())
    best_other = max(float(r["score"]) for r in rows
                     if r["a"] not in involved and r["b"] not in involved)
    for copier, original in copies.items():
        assert _score(rows, copier, original) > best_other


# ----------------------------------------------------------------------------- command line


def _cli(*args, env_extra=None, code=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env_extra or {}))
    command = [sys.executable, "-m", "autograder", "similarity", *map(str, args)]
    if code is not None:
        command = [sys.executable, "-c", code, *map(str, args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=env)


def _small_class(folder: Path) -> Path:
    shutil.copytree(SOLUTION, folder / "alice" / "mlp")
    shutil.copytree(ALTERNATIVES / "single_file", folder / "bob")
    shutil.copytree(ALTERNATIVES / "vector_biases", folder / "carol")
    return folder


def test_the_command_reads_a_class_zip_and_is_deterministic(tmp_path):
    cls = _small_class(tmp_path / "class")
    archive = tmp_path / "export.zip"            # an LMS export: one zip per student inside
    with zipfile.ZipFile(archive, "w") as export:
        for student in sorted(cls.iterdir()):
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w") as z:
                for path in sorted(student.rglob("*.py")):
                    z.write(path, path.relative_to(student))
            export.writestr(f"hw1-submissions/{student.name}.zip", inner.getvalue())
    runs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        proc = _cli(archive, "--out", out, "--top", "2", "--threshold", "0.4",
                    env_extra={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        runs.append((out / "similarity.csv").read_bytes())
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("3 students, 0 references: 3 pairs compared")
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("#"))
    table = lines[header:header + 3]
    assert [line.split()[1] for line in table[1:]] in (["alice", "alice"], ["alice", "bob"])
    assert len({line.index("student/student") for line in table[1:]}) == 1   # aligned
    assert runs[0] == runs[1]                       # the same report whatever the hash salt
    summary = json.loads((tmp_path / "out1" / "similarity.json").read_text())
    assert summary["pairs"] == 3 and summary["threshold"] == 0.4 and len(summary["top"]) == 2


@pytest.mark.parametrize("args, expected", [
    (["{tmp}/missing", "--out", "{tmp}/out"], "no such file or folder"),
    (["{cls}", "--out", "{tmp}/out", "--top", "0"], "--top"),
    (["{cls}", "--out", "{tmp}/out", "--threshold", "1.5"], "--threshold"),
    (["{cls}", "--out", "{tmp}/out", "--threshold", "lots"], "--threshold"),
    (["{cls}", "--out", "{tmp}/out", "--assignment", "hw9"], "unknown assignment 'hw9'"),
    (["{cls}", "--out", "{cls}/inside"], "inside the input"),
    (["{cls}", "--out", "{tmp}/afile"], "is a file"),
    (["{cls}", "--out", "{tmp}/out", "--against", "{tmp}/nowhere"], "--against"),
    (["{tmp}/afile", "--out", "{tmp}/out"], "expected a folder"),
    (["{tmp}/empty", "--out", "{tmp}/out"], "holds no submissions"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, expected):
    cls = _small_class(tmp_path / "class")
    (tmp_path / "afile").write_text("x")
    (tmp_path / "empty").mkdir()
    proc = _cli(*[a.format(tmp=tmp_path, cls=cls) for a in args])
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    assert not (cls / "inside").exists()


def test_without_copydetect_the_command_says_so_in_one_line(tmp_path):
    cls = _small_class(tmp_path / "class")
    code = ("import sys; sys.modules['copydetect'] = None\n"
            "from autograder.__main__ import main\n"
            "sys.exit(main(['similarity', *sys.argv[1:]]))")
    proc = _cli(cls, "--out", tmp_path / "out", code=code)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "copydetect" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
