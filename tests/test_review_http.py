"""The review app at the HTTP level (Flask's test client): the token, the JSON API and its
optimistic concurrency, confinement of every path to BATCH_DIR, the security headers, escaping
of student strings, the overview's filters and anonymous grading."""
from __future__ import annotations

import json
import os
import re
import sys

import pytest

pytest.importorskip("flask", reason="the review app needs Flask (requirements-dev.txt)")

from support import ROOT  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from review_class import make_review_class  # noqa: E402

from autograder.review.app import ReviewConfig, create_app  # noqa: E402

TOKEN = "test-token-0123456789"


@pytest.fixture
def batch_dir(tmp_path):
    out = tmp_path / "results"
    make_review_class(out, 6, seed=1)
    return out


def client_for(batch_dir, **config):
    app = create_app(ReviewConfig(batch_dir, token=TOKEN, **config))
    client = app.test_client()
    assert client.get(f"/?token={TOKEN}").status_code == 200   # sets the cookie
    return client


# ------------------------------------------------------------------------------- the token

@pytest.mark.parametrize("path", ["/", "/grade/1/report", "/api/marks", "/files/1/report.pdf",
                                  "/static/review.js", "/api/marks/1/report", "/nowhere"])
def test_every_request_without_the_token_gets_403(batch_dir, path):
    app = create_app(ReviewConfig(batch_dir, token=TOKEN))
    client = app.test_client()
    assert client.get(path).status_code == 403
    assert client.get(path + ("&" if "?" in path else "?") + "token=wrong").status_code == 403
    assert client.post("/api/marks/1/report", json={"score": 5, "comment": "",
                                                    "version": 0}).status_code == 403


def test_the_token_in_the_url_sets_a_strict_httponly_cookie_that_then_suffices(batch_dir):
    app = create_app(ReviewConfig(batch_dir, token=TOKEN))
    client = app.test_client()
    response = client.get(f"/?token={TOKEN}")
    cookie = response.headers["Set-Cookie"]
    assert TOKEN in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/grade/2/report").status_code == 200
    assert client.get("/api/marks").json["total"] == 6


def test_a_post_from_another_origin_is_refused(batch_dir):
    client = client_for(batch_dir)
    response = client.post("/api/marks/1/report", json={"score": 5, "comment": "", "version": 0},
                           headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    assert client.get("/api/marks").json["marks"] == []


# --------------------------------------------------------------------------------- the API

def test_api_saves_keeps_history_and_refuses_a_stale_save_showing_the_current_value(batch_dir):
    alice, bob = client_for(batch_dir), client_for(batch_dir)
    bob.post("/grader", data={"name": "bob"})
    first = alice.post("/api/marks/1/report", json={"score": 7.5, "comment": "good",
                                                     "version": 0})
    assert first.status_code == 200 and first.json["mark"]["version"] == 1
    assert first.json["mark"]["grader"] == "grader" and first.json["done"] == 1
    stale = bob.post("/api/marks/1/report", json={"score": 3, "comment": "meh", "version": 0})
    assert stale.status_code == 409
    assert stale.json["current"]["score"] == 7.5 and stale.json["current"]["comment"] == "good"
    fresh = bob.post("/api/marks/1/report", json={"score": 8, "comment": "better",
                                                   "version": 1})
    assert fresh.status_code == 200 and fresh.json["mark"]["grader"] == "bob"
    state = alice.get("/api/marks/1/report").json
    assert state["mark"]["score"] == 8 and state["max_score"] == 10
    assert [(m["version"], m["score"], m["grader"]) for m in state["history"]] == [
        (1, 7.5, "grader"), (2, 8.0, "bob")]


@pytest.mark.parametrize("body", [{"score": 10.5, "comment": "", "version": 0},
                                  {"score": -1, "comment": "", "version": 0},
                                  {"score": 7.3, "comment": "", "version": 0},
                                  {"score": "7", "comment": "", "version": 0},
                                  {"score": True, "comment": "", "version": 0},
                                  {"score": 5, "comment": 3, "version": 0},
                                  {"score": 5, "comment": ""}])
def test_api_refuses_a_score_outside_0_to_max_in_half_points(batch_dir, body):
    client = client_for(batch_dir)
    response = client.post("/api/marks/1/report", json=body)
    assert response.status_code == 400 and response.json["error"]
    assert client.get("/api/marks").json["marks"] == []


def test_unknown_submissions_and_automatic_items_are_404(batch_dir):
    client = client_for(batch_dir)
    assert client.get("/grade/7/report").status_code == 404
    assert client.get("/grade/0/report").status_code == 404
    assert client.get("/grade/1/linear").status_code == 404   # not a hand-graded item
    assert client.post("/api/marks/1/linear", json={"score": 1, "comment": "",
                                                    "version": 0}).status_code == 404


def test_the_form_save_redirects_and_a_stale_form_shows_the_current_value(batch_dir):
    client = client_for(batch_dir)
    saved = client.post("/grade/2/report", data={"score": "6", "comment": "ok", "version": "0"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("saved=1")
    stale = client.post("/grade/2/report", data={"score": "9", "comment": "mine",
                                                  "version": "0"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and 'id="conflict"' in page
    assert re.search(r'id="current-score">6<', page)
    assert ">mine</textarea>" in page                     # the grader's own text is not lost
    assert 'name="version" value="1"' in page             # saving again replaces deliberately


# ---------------------------------------------------------------------- paths and headers

def test_no_request_path_leaves_the_batch_folder(batch_dir, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    folder = batch_dir / "files" / "s0001"
    os.symlink(secret, folder / "link.txt")
    (batch_dir / "files" / "s0002" / "report.pdf").unlink()
    (batch_dir / "files" / "s0002").rmdir()
    os.symlink(tmp_path, batch_dir / "files" / "s0002")   # a student folder that is a link
    client = client_for(batch_dir)
    for path in ["/files/1/../../s0001.json", "/files/1/..%2F..%2Fs0001.json",
                 "/files/1/%2e%2e/%2e%2e/s0001.json", "/files/1//etc/passwd",
                 "/files/1/link.txt", "/files/2/secret.txt", "/files/1/", "/files/1/nothing",
                 "/files/1/report.pdf%00.png", "/export/1/..%2F..%2Fsecret.txt"]:
        response = client.get(path, follow_redirects=True)   # Werkzeug merges "//" first
        assert response.status_code == 404, path
        assert b"top secret" not in response.data
    assert client.get("/files/1/report.pdf").status_code == 200


def test_an_export_path_pointing_out_of_the_batch_folder_is_refused(batch_dir, tmp_path):
    (tmp_path / "outside.html").write_text("<p>outside</p>")
    data = json.loads((batch_dir / "s0003.json").read_text())
    data["exports"] = {"escape.ipynb": "../outside.html", "inline.ipynb": "<!DOCTYPE html><p>inline</p>"}
    (batch_dir / "s0003.json").write_text(json.dumps(data))
    client = client_for(batch_dir)
    assert client.get("/export/3/escape.ipynb").status_code == 404
    inline = client.get("/export/3/inline.ipynb")
    assert inline.status_code == 200 and b"inline" in inline.data
    assert "sandbox" in inline.headers["Content-Security-Policy"]


def test_pages_allow_only_the_app_s_script_and_student_files_are_sandboxed(batch_dir):
    client = client_for(batch_dir)
    page = client.get("/grade/1/report")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy and page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    frames = re.findall(r"<iframe[^>]*>", page.get_data(as_text=True))
    assert frames and all(" sandbox " in f and "allow-scripts" not in f for f in frames)
    pdf = client.get("/files/1/report.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert pdf.headers["Content-Security-Policy"].startswith("default-src 'none'")
    (batch_dir / "files" / "s0001" / "notes.html").write_text("<script>alert(1)</script>")
    html = client.get("/files/1/notes.html")
    assert "; sandbox;" in html.headers["Content-Security-Policy"]
    assert "script-src" not in html.headers["Content-Security-Policy"]


def test_every_student_string_is_escaped(batch_dir):
    attack = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'
    data = json.loads((batch_dir / "s0004.json").read_text())
    data["items"][0]["cases"][0].update(passed=False, message=attack)
    data["flags"] = [attack]
    (batch_dir / "s0004.json").write_text(json.dumps(data))
    client = client_for(batch_dir)
    client.post("/api/marks/4/report", json={"score": 5, "comment": attack, "version": 0})
    client.post("/remarks/report", data={"text": attack, "points": "-1", "back": "4"})
    for path in ["/grade/4/report", "/", "/grade/5/report"]:
        page = client.get(path).get_data(as_text=True)
        assert "<script>document" not in page and "<img src=x" not in page, path
    page = client.get("/grade/4/report").get_data(as_text=True)
    assert "&lt;script&gt;document.title=" in page


# ------------------------------------------------------------------- overview, anonymity

def test_overview_filters_by_item_and_by_not_yet_graded(batch_dir):
    client = client_for(batch_dir)
    client.post("/api/marks/1/report", json={"score": 9, "comment": "", "version": 0})
    everyone = client.get("/?item=report").get_data(as_text=True)
    assert everyone.count('class="who"') == 6
    todo = client.get("/?item=report&todo=1").get_data(as_text=True)
    assert todo.count('class="who"') == 5 and ">s0001<" not in todo
    assert "1 of 6 marks graded" in todo


def test_anonymous_grading_hides_every_name(batch_dir):
    client = client_for(batch_dir, anonymous=True)
    client.post("/api/marks/1/report", json={"score": 9, "comment": "", "version": 0})
    pages = [client.get(p).get_data(as_text=True) for p in ("/", "/grade/1/report")]
    pages.append(json.dumps(client.get("/api/marks").json))
    for text in pages:
        assert not re.search(r"s000\d", text), text[:200]
    assert "Submission 1" in pages[0]
    # The order is a fixed shuffle: the same on the next start.
    again = client_for(batch_dir, anonymous=True)
    assert again.get("/api/marks").json["marks"][0]["position"] == 1


# ------------------------------------------------------------------------- the command

def test_review_mistakes_are_one_line_errors(tmp_path, capsys):
    from autograder.__main__ import main
    out = tmp_path / "automatic_only"
    make_review_class(out, 2, seed=5, pdfs=False)
    for path in out.glob("s0*.json"):
        data = json.loads(path.read_text())
        data["items"] = [item for item in data["items"] if not item["manual"]]
        path.write_text(json.dumps(data))
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "nowhere", tmp_path / "empty", out):
        assert main(["review", str(folder)]) == 2
    assert main(["review", str(out), "--port", "70000"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 4 and all(e.startswith("autograder review: error:") for e in errors)
    assert "no hand-graded (manual) item" in errors[2]
