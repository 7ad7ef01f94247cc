"""A notebook's HTML export for the people who grade it by hand: every cell (markdown as its
text, code with what it printed and the figures it drew), as the grader executed it.

Built on the trusted side from the validated ``export.*`` texts and the PNGs of the
``figure.<notebook>.cell<k>.<j>`` images (our own encoding). Every text is escaped; the page has
no script and loads nothing (images are data URIs)."""
from __future__ import annotations

import html
import re
from typing import Iterable, Mapping

from autograder.feedback.arrays import ExportCell
from autograder.notebook_format import label_of
from autograder.results.images import img_tag as image_tag
from autograder.results.model import Image

_CODE_NUMBER = re.compile(r"^In \[(\d{1,5})\]")
_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
          "pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}"
          ".head{color:#555;font-size:90%;margin-top:1.2em}.out{background:#fff;border-left:"
          "3px solid #ccc}.md{background:#fffbe8}img{max-width:100%;border:1px solid #ddd}")


def notebook_html(name: str, cells: list[ExportCell], images: Iterable[Image] = ()) -> str:
    """The page. ``images``: figures whose label is ``<stem>.cell<k>.<j>`` go under code cell
    k of this notebook (``stem``: the name without .ipynb, as scenarios/notebook.label_of makes
    it)."""
    stem = label_of(name.rsplit(".", 1)[0])
    by_cell: dict[int, list[Image]] = {}
    for image in images:
        match = re.match(rf"^{re.escape(stem)}\.cell(\d+)\.\d+$", image.label)
        if match:
            by_cell.setdefault(int(match[1]), []).append(image)
    parts = [f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{_e(name)}</title>"
             f"<style>{_STYLE}</style></head><body>\n<h1>{_e(name)}</h1>\n"
             f"<p>As the grader executed it. Texts are shown as written; nothing here runs.</p>"]
    for cell in cells:
        parts.append(f"<div class=\"head\">{_e(cell.head)}</div>")
        kind = "md" if not cell.head.startswith("In [") else "code"
        if cell.source:
            parts.append(f"<pre class=\"{kind}\">{_e(cell.source)}</pre>")
        if cell.output:
            parts.append(f"<pre class=\"out\">{_e(cell.output)}</pre>")
        match = _CODE_NUMBER.match(cell.head)
        for image in by_cell.get(int(match[1]), []) if match else []:
            parts.append(image_tag(image))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def exports_of(per_case: Iterable[Mapping[str, list[ExportCell]]],
               images: Iterable[Image]) -> dict[str, str]:
    """Notebook name -> its page, from the first case that exported it."""
    images = list(images)
    pages: dict[str, str] = {}
    for exports in per_case:
        for name, cells in exports.items():
            if name not in pages:
                pages[name] = notebook_html(name, cells, images)
    return pages


def _e(text: str) -> str:
    return html.escape(text, quote=True)
