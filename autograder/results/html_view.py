"""The student's HTML report (``grade --feedback DIR``): the score, each item with its case
report, its pictures inline (a notebook's figures, heat maps of failed matrices), and links to
the notebook exports that the course staff grade by hand.

``write_feedback(folder, result)`` writes ``feedback.html``, ``images/<case>-<n>.png`` and
``notebooks/<name>.html``, each atomically, and returns where each image went (for the terminal
view). Every text is escaped; the pages run no script. Hidden cases' pictures are left out
unless the rubric releases hidden cases (a heat map shows the hidden values' pattern).
"""
from __future__ import annotations

import html
import os
from pathlib import Path

from autograder.files import write_bytes, write_text
from autograder.notebook_format import label_of
from .images import image_file_name, img_tag
from .messages import case_report, summary_text
from .model import GradeResult
from .scoring import format_points

REPORT = "feedback.html"
IMAGES, NOTEBOOKS = "images", "notebooks"
_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
          "pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}"
          "figure{margin:1em 0}img{border:1px solid #ddd}")


# A batch stores each export as its path from the batch folder; the per-student report that
# links it (gradebook: feedback/<student>.html) sits one folder below.
BATCH_REPORT_TO_ROOT = ".."


def to_html(result: GradeResult, image_sources: dict[str, str] | None = None,
            notebook_links: dict[str, str] | None = None) -> str:
    """The report. ``image_sources``: image file name -> the src to use (default: data URIs);
    ``notebook_links``: notebook name -> the href of its export (default: the exports a batch
    wrote, from a report one folder below the batch folder)."""
    release = result.release_hidden and result.status == "graded"
    if notebook_links is None:
        notebook_links = {name: f"{BATCH_REPORT_TO_ROOT}/{path}"
                          for name, path in result.exports.items()
                          if not is_page(path) and not os.path.isabs(path)}
    e = html.escape
    parts = [f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Feedback</title>"
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{e(format_points(result.score))} / {e(format_points(result.max_score))}</h1>",
             f"<pre>{e(summary_text(result))}</pre>"]
    for item in result.items:
        score = ("awaiting hand grading" if item.awaiting
                 else f"{format_points(item.score)} / {format_points(item.max_score)}")
        parts.append(f"<h2>{e(item.name)} <small>({e(item.id)}: {e(score)})</small></h2>")
        if item.hand_graded and item.comment.strip():   # the hand grader's remark (review)
            parts.append(f"<p><b>Comment from the course staff:</b></p><pre>{e(item.comment)}</pre>")
        if item.cases:
            parts.append(f"<pre>{e(case_report(item, show_hidden=release))}</pre>")
        for case in item.cases:
            if case.hidden and not release:
                continue
            for index, image in enumerate(case.images, start=1):
                name = image_file_name(case, index)
                src = (image_sources or {}).get(name)
                parts.append(img_tag(image, src) if src else img_tag(image))
    if notebook_links:
        parts.append("<h2>Your notebooks, as the grader ran them</h2><ul>")
        parts.extend(f"<li><a href=\"{e(href, quote=True)}\">{e(name)}</a></li>"
                     for name, href in sorted(notebook_links.items()))
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_feedback(folder: str | os.PathLike, result: GradeResult) -> dict[str, str]:
    """Write the report and its files into ``folder`` (created); image file name -> path."""
    folder = Path(folder)
    release = result.release_hidden and result.status == "graded"
    image_paths: dict[str, str] = {}
    for item in result.items:
        for case in item.cases:
            if case.hidden and not release:
                continue
            for index, image in enumerate(case.images, start=1):
                name = image_file_name(case, index)
                path = folder / IMAGES / name
                path.parent.mkdir(parents=True, exist_ok=True)
                write_bytes(path, image.png)
                image_paths[name] = str(path)
    links = write_exports(folder / NOTEBOOKS, result.exports)
    relative = {name: os.path.relpath(path, folder) for name, path in links.items()}
    sources = {name: f"{IMAGES}/{name}" for name in image_paths}
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / REPORT, to_html(result, sources, relative))
    return image_paths


def is_page(export: str) -> bool:
    """An export held as its HTML (a grading's), not as the path it was written to (a batch's)."""
    return export.lstrip().startswith("<!DOCTYPE html>")


def write_exports(folder: Path, exports: dict[str, str]) -> dict[str, str]:
    """Each notebook's HTML export as ``<folder>/<stem>.html``; an export that is already a
    path (a batch's) is linked as it is. Notebook name -> path."""
    written = {}
    for name, page in sorted(exports.items()):
        if not is_page(page):
            written[name] = page
            continue
        path = folder / f"{label_of(name.rsplit('.', 1)[0])}.html"
        folder.mkdir(parents=True, exist_ok=True)
        write_text(path, page)
        written[name] = str(path)
    return written
