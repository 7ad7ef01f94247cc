"""The review web app (Flask; Jinja2 autoescapes every template, so every student string is
escaped): an overview of students x manual items, a grading page per submission and item, and
a JSON API for the same saves.

Security, since a submission is untrusted and the server runs as the instructor:
- every request needs the token: ``?token=`` once (it is then kept in an HttpOnly, SameSite=
  Strict cookie), else 403; a POST from another origin is refused too;
- the app's own pages run only the app's script (Content-Security-Policy ``script-src 'self'``)
  and are never framed; student files (the report PDF, notebook exports, figures) are served
  with ``default-src 'none'; sandbox`` and nosniff, and embedded in ``<iframe sandbox>``
  without ``allow-scripts``, so nothing a student wrote can run;
- a request names files by position and name only, confined to BATCH_DIR (paths.py).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flask import Flask, abort, g, jsonify, redirect, render_template, request, url_for

from autograder.batch.deliverables import FILES_DIR
from autograder.gradebook.final import read_class
from autograder.gradebook.store import (GRADEBOOK_FILE, Gradebook, GradebookError, Mark,
                                        StaleSave)
from autograder.results.html_view import is_page
from autograder.results.scoring import format_points
from autograder.review.classroom import GRADED, RECHECK, TODO, Classroom, Entry
from autograder.review.paths import OutsideBatch, confined_file, listed_files

TOKEN_COOKIE, GRADER_COOKIE = "review_token", "review_grader"
APP_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
           "frame-ancestors 'none'")
STUDENT_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
               "font-src data:; sandbox; base-uri 'none'; form-action 'none'; "
               "frame-ancestors 'self'")
# A PDF is never parsed as HTML (its type is fixed, nosniff), and the browser's PDF viewer runs
# isolated from the page's origin; but Chromium refuses to show a PDF whose response carries
# the CSP sandbox, so a PDF opened in a tab of its own gets the policy without it (the frame
# on the page keeps its sandbox attribute).
PDF_CSP = STUDENT_CSP.replace(" sandbox;", "")
_SHOWN_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                ".jpeg": "image/jpeg", ".html": "text/html; charset=utf-8",
                ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8"}
MAX_GRADER_CHARS = 80


@dataclass
class ReviewConfig:
    batch_dir: Path
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    grader: str = "grader"            # the default grader name (each browser may set its own)
    anonymous: bool = False
    on_save: Callable[[Mark, int, int], None] | None = None   # (mark, done, total): progress


def create_app(config: ReviewConfig) -> Flask:
    """GradebookError (one line) when BATCH_DIR is not a batch's output."""
    batch_dir = Path(config.batch_dir).resolve()
    read_class(batch_dir)     # a folder that is not a batch's output: say so before anything
    existed = (batch_dir / GRADEBOOK_FILE).exists()
    book = Gradebook.open(batch_dir)
    classroom = Classroom(batch_dir, book, anonymous=config.anonymous)
    if not classroom.items:
        book.close()
        if not existed:       # leave an automatic-only batch folder as it was
            for suffix in ("", "-wal", "-shm"):
                (batch_dir / (GRADEBOOK_FILE + suffix)).unlink(missing_ok=True)
        raise GradebookError(f"{config.batch_dir}: the rubric of this batch has no hand-graded "
                             f"(manual) item: nothing to review")
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=256 * 1024, TEMPLATES_AUTO_RELOAD=False)
    app.jinja_env.autoescape = True     # every template, whatever its name (Flask: .html only)
    app.jinja_env.filters["points"] = format_points
    app.jinja_env.globals.update(TODO=TODO, GRADED=GRADED, RECHECK=RECHECK)
    app.extensions["review"] = classroom

    # ------------------------------------------------------------------- the gatekeeper

    @app.before_request
    def require_token():
        given = request.args.get("token", "")
        if given and secrets.compare_digest(given, config.token):
            g.set_cookie = True
        elif not secrets.compare_digest(request.cookies.get(TOKEN_COOKIE, ""), config.token):
            abort(403)
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and origin != request.host_url.rstrip("/"):
                abort(403)
        classroom.refresh()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", APP_CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"   # "no-referrer" makes Origin null
        response.headers["Cache-Control"] = "no-store"
        if g.get("set_cookie"):
            response.set_cookie(TOKEN_COOKIE, config.token, httponly=True, samesite="Strict")
        return response

    @app.errorhandler(403)
    def forbidden(_):
        return ("403 Forbidden: open the URL that `python -m autograder review` printed "
                "(it carries the token)\n", 403, {"Content-Type": "text/plain; charset=utf-8"})

    def grader() -> str:
        return request.cookies.get(GRADER_COOKIE, "").strip()[:MAX_GRADER_CHARS] or config.grader

    def entry_or_404(position: int) -> Entry:
        entry = classroom.entry(position)
        if entry is None:
            abort(404)
        return entry

    def item_or_404(item_id: str):
        item = classroom.item(item_id)
        if item is None:
            abort(404)
        return item

    # ------------------------------------------------------------------------- pages

    @app.get("/")
    def overview():
        marks = book.marks()
        chosen = request.args.get("item", "")
        items = [i for i in classroom.items if not chosen or i.id == chosen]
        todo_only = request.args.get("todo") == "1"
        final = classroom.final()
        rows = []
        for entry in classroom.entries:
            cells = [(item, classroom.status(entry, item.id, marks),
                      marks.get((entry.id, item.id))) for item in items]
            if todo_only and all(status == GRADED for _, status, _ in cells):
                continue
            rows.append((entry, cells, final[entry.id]))
        done, total = classroom.progress(marks)
        return render_template("overview.html", rows=rows, items=items,
                               all_items=classroom.items, chosen=chosen, todo_only=todo_only,
                               done=done, total=total, students=len(classroom.entries),
                               anonymous=config.anonymous, grader=grader())

    def grading_page(position: int, item_id: str, status_code: int = 200, **extra):
        entry, item = entry_or_404(position), item_or_404(item_id)
        marks = book.marks()
        mark = marks.get((entry.id, item.id))
        count = len(classroom.entries)
        done, total = classroom.progress(marks)
        result = classroom.full(entry)
        images = [(index, case, image) for index, (case, image)
                  in enumerate(getattr(result, "images", []) or [])]
        context = dict(
            entry=entry, result=result, item=item, mark=mark,
            status=classroom.status(entry, item.id, marks),
            history=book.history(entry.id, item.id), remarks=book.remarks(item.id),
            next_todo=classroom.next_todo(position, item.id, marks),
            previous=classroom.entry(position - 1 if position > 1 else count),
            following=classroom.entry(position + 1 if position < count else 1),
            files=listed_files(batch_dir, FILES_DIR, entry.id),
            exports=sorted((getattr(result, "exports", None) or {}).keys()),
            images=images, automatic=[i for i in result.items if not i.manual],
            done=done, total=total, students=count, anonymous=config.anonymous,
            grader=grader(), saved=request.args.get("saved") == "1", conflict=None, error="",
            form_score=None, form_comment=None)
        context.update(extra)
        return render_template("grade.html", **context), status_code

    @app.get("/grade/<int:position>/<item_id>")
    def grade(position: int, item_id: str):
        return grading_page(position, item_id)

    @app.post("/grade/<int:position>/<item_id>")
    def save_form(position: int, item_id: str):
        entry, item = entry_or_404(position), item_or_404(item_id)
        text = request.form.get("score", "").strip()
        comment = request.form.get("comment", "")
        try:
            score = None if text == "" else float(text)
            version = int(request.form.get("version", ""))
        except ValueError:
            return grading_page(position, item_id, 400, error="the score must be a number",
                                form_score=text, form_comment=comment)
        try:
            save(entry, item, score, comment, version)
        except StaleSave as stale:
            return grading_page(position, item_id, 409, conflict=stale.current,
                                form_score=text, form_comment=comment)
        except GradebookError as exc:
            return grading_page(position, item_id, 400, error=str(exc), form_score=text,
                                form_comment=comment)
        if request.form.get("then") == "next":
            following = classroom.next_todo(position, item.id, book.marks())
            if following is not None:
                return redirect(url_for("grade", position=following.position, item_id=item.id))
        return redirect(url_for("grade", position=position, item_id=item.id, saved="1"))

    def save(entry: Entry, item, score, comment: str, version: int) -> Mark:
        mark = book.save(entry.id, item.id, score=score, comment=comment, grader=grader(),
                         read_version=version, submission=entry.digest, max_score=item.points)
        if config.on_save is not None:
            config.on_save(mark, *classroom.progress(book.marks()))
        return mark

    @app.post("/remarks/<item_id>")
    def add_remark(item_id: str):
        item = item_or_404(item_id)
        try:
            book.add_remark(item.id, request.form.get("text", ""),
                            float(request.form.get("points", "0") or 0))
        except (ValueError, GradebookError):
            pass    # the page shows the remarks there are; a bad one is simply not added
        back = request.form.get("back", "")
        position = int(back) if back.isdigit() else 1
        return redirect(url_for("grade", position=position, item_id=item.id))

    @app.post("/grader")
    def set_grader():
        name = request.form.get("name", "").strip()[:MAX_GRADER_CHARS]
        response = redirect(url_for("overview"))
        if name:
            response.set_cookie(GRADER_COOKIE, name, httponly=True, samesite="Strict")
        return response

    # ----------------------------------------------------------------- student content

    def student_content(data: bytes, content_type: str):
        policy = PDF_CSP if content_type == "application/pdf" else STUDENT_CSP
        return data, 200, {"Content-Type": content_type, "Content-Security-Policy": policy,
                           "X-Frame-Options": "SAMEORIGIN",
                           "Cross-Origin-Resource-Policy": "same-origin"}

    @app.get("/files/<int:position>/<path:name>")
    def student_file(position: int, name: str):
        entry = entry_or_404(position)
        try:
            path = confined_file(batch_dir, FILES_DIR, entry.id, *name.split("/"))
        except OutsideBatch:
            abort(404)
        kind = _SHOWN_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return student_content(path.read_bytes(), kind)

    @app.get("/export/<int:position>/<name>")
    def notebook_export(position: int, name: str):
        entry = entry_or_404(position)
        exports = getattr(classroom.full(entry), "exports", None) or {}
        if name not in exports:
            abort(404)
        value = exports[name]
        if is_page(value):
            data = value.encode("utf-8")
        else:   # a path batch wrote the export to, relative to BATCH_DIR
            try:
                data = confined_file(batch_dir, *Path(value).parts).read_bytes()
            except (OutsideBatch, ValueError):
                abort(404)
        return student_content(data, "text/html; charset=utf-8")

    @app.get("/image/<int:position>/<int:index>")
    def case_image(position: int, index: int):
        images = getattr(classroom.full(entry_or_404(position)), "images", None) or []
        if not 0 <= index < len(images):
            abort(404)
        return student_content(images[index][1].png, "image/png")

    # --------------------------------------------------------------------------- API

    @app.get("/api/marks")
    def api_marks():
        marks = book.marks()
        done, total = classroom.progress(marks)
        by_id = {entry.id: entry for entry in classroom.entries}
        return jsonify(done=done, total=total, marks=[
            {**mark.to_json(), "position": by_id[mark.student].position,
             "student": by_id[mark.student].label,
             "status": classroom.status(by_id[mark.student], mark.item, marks)}
            for mark in marks.values() if mark.student in by_id])

    @app.get("/api/marks/<int:position>/<item_id>")
    def api_mark(position: int, item_id: str):
        entry, item = entry_or_404(position), item_or_404(item_id)
        mark = book.mark(entry.id, item.id)
        return jsonify(mark=_shown(mark, entry), max_score=item.points,
                       history=[_shown(m, entry) for m in book.history(entry.id, item.id)])

    @app.post("/api/marks/<int:position>/<item_id>")
    def api_save(position: int, item_id: str):
        entry, item = entry_or_404(position), item_or_404(item_id)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("version"), int) \
                or isinstance(body.get("version"), bool):
            return jsonify(error="send JSON {score, comment, version}"), 400
        score = body.get("score")
        if score is not None and (isinstance(score, bool) or
                                  not isinstance(score, (int, float))):
            return jsonify(error="the score must be a number or null"), 400
        try:
            mark = save(entry, item, score, body.get("comment", ""), body["version"])
        except StaleSave as stale:
            return jsonify(error="someone else saved this mark since you read it; "
                                 "here is the current one",
                           current=_shown(stale.current, entry)), 409
        except GradebookError as exc:
            return jsonify(error=str(exc)), 400
        done, total = classroom.progress(book.marks())
        return jsonify(mark=_shown(mark, entry), done=done, total=total)

    def _shown(mark: Mark | None, entry: Entry):
        if mark is None:
            return None
        return {**mark.to_json(), "student": entry.label, "position": entry.position}

    return app
