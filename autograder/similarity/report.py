"""The report's three views: ``similarity.csv`` (every pair), ``similarity.html`` (the top
pairs side by side, shared regions highlighted) and the terminal table.

The HTML is one self-contained file: inline CSS, no script, no external resource, so it opens
offline and can be mailed. Everything that comes from a submission (code, ids, file names,
reasons) is HTML-escaped; the file is also well-formed XML, which the tests check by parsing.
"""
from __future__ import annotations

import csv
import html
import io
import os

import numpy as np

from autograder.files import write_text
from autograder.submission.unpack import one_line

CSV_COLUMNS = ("a", "b", "kind", "score", "score_a", "score_b", "shared_tokens_a",
               "shared_tokens_b", "shared_lines_a", "shared_lines_b")
CONTEXT_LINES = 3          # unshared lines kept around shared ones in the HTML
MIN_FOLD = 4               # shorter runs of unshared lines are not folded
MAX_LINES_SHOWN = 4000     # per side, in the HTML


def write_csv(path: str | os.PathLike, pairs) -> None:
    """One row per pair, in the order given (highest score first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in pairs:
        writer.writerow([p.a.id, p.b.id, p.kind, f"{p.score:.4f}", f"{p.score_a:.4f}",
                         f"{p.score_b:.4f}", p.tokens_a, p.tokens_b, p.lines_a, p.lines_b])
    write_text(path, buffer.getvalue())


def format_table(summary: dict) -> str:
    """The top pairs as an aligned text table; ``*`` marks scores at or above the threshold."""
    rows = [("#", "a", "b", "kind", "score", "A in B", "B in A", "lines A/B")]
    for n, entry in enumerate(summary["top"], 1):
        mark = "*" if entry["flagged"] else " "
        rows.append((str(n), one_line(entry["a"], 40), one_line(entry["b"], 40), entry["kind"],
                     f"{entry['score']:.2f}{mark}", f"{entry['score_a']:.2f}",
                     f"{entry['score_b']:.2f}", f"{entry['lines_a']}/{entry['lines_b']}"))
    right = {0, 4, 5, 6, 7}
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) if c in right else cell.ljust(w)
                       for c, (cell, w) in enumerate(zip(row, widths))).rstrip()
             for row in rows]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- HTML

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; } h3 { font-size: 1em; }
table.pairs { border-collapse: collapse; }
table.pairs td, table.pairs th { border: 1px solid #ccc; padding: 0.2em 0.6em; }
table.pairs td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td { background: #fde8e8; }
.meta, .note { color: #555; }
.sbs { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.side { min-width: 0; }
pre.code { border: 1px solid #ccc; background: #fafafa; padding: 0.4em; overflow: auto;
           max-height: 48em; font-size: 0.8em; line-height: 1.35; }
.n { color: #999; user-select: none; }
mark { background: #ffd36b; }
.bp { color: #aaa; }
.file { color: #fff; background: #456; font-weight: bold; }
.gap { color: #888; font-style: italic; }
"""


def write_html(path: str | os.PathLike, summary: dict, details, threshold: float) -> None:
    """``details``: (pair, match) for the pairs to show, in order."""
    e = _escape
    out = ["<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n",
           f"<title>Similarity report: {e(summary['assignment'])}</title>\n",
           f"<style>{_STYLE}</style>\n</head>\n<body>\n",
           f"<h1>Similarity report: {e(summary['assignment'])}</h1>\n"]
    bp = summary["boilerplate"]
    out.append(
        f"<p class=\"meta\">{summary['students']} students and {summary['references']} "
        f"references compared: {summary['pairs']} pairs in {summary['seconds']:.1f} s. "
        f"{summary['flagged_total']} pairs score at least {threshold:.2f}. Fingerprints: "
        f"{summary['fingerprints']['k_tokens']}-token k-grams, winnowing window "
        f"{summary['fingerprints']['window']} (copydetect). Boilerplate: "
        f"{bp['lines']} distinct code lines of {bp['files']} files in {e(bp['handout'])}.</p>\n")
    out.append("<p class=\"note\">A pair's score is the larger of its two fractions: "
               "<em>A in B</em> is the fraction of A's code (after names are made anonymous "
               "and the handout's lines are removed) that is also in B. Highlighted: the "
               "shared regions. Greyed: lines of the handout, which are not compared. "
               "similarity.csv lists every pair.</p>\n")
    out.append(_pairs_table(details, threshold))
    if summary["skipped"]:
        out.append("<h2>Not compared</h2>\n<ul>\n")
        out += [f"<li>{e(s['id'])} ({e(s['kind'])}): {e(s['reason'])}</li>\n"
                for s in summary["skipped"]]
        out.append("</ul>\n")
    for n, (pair, match) in enumerate(details, 1):
        out.append(_pair_section(n, pair, match, threshold))
    out.append("</body>\n</html>\n")
    write_text(path, "".join(out))


def _escape(value) -> str:
    # Control characters other than tab and newline are not allowed in XML (nor useful here).
    text = "".join(c if c in "\t\n" or ord(c) >= 32 and c != "\x7f" else "\ufffd"
                   for c in str(value))
    return html.escape(text, quote=True)


def _pairs_table(details, threshold: float) -> str:
    e = _escape
    rows = ["<h2>Top pairs</h2>\n<table class=\"pairs\">\n<thead><tr><th>#</th><th>A</th>"
            "<th>B</th><th>kind</th><th>score</th><th>A in B</th><th>B in A</th>"
            "<th>shared lines A / B</th></tr></thead>\n<tbody>\n"]
    for n, (p, _) in enumerate(details, 1):
        flagged = " class=\"flagged\"" if p.score >= threshold else ""
        rows.append(f"<tr{flagged}><td class=\"num\"><a href=\"#pair-{n}\">{n}</a></td>"
                    f"<td>{e(p.a.id)}</td><td>{e(p.b.id)}</td><td>{e(p.kind)}</td>"
                    f"<td class=\"num\">{p.score:.2f}</td><td class=\"num\">{p.score_a:.2f}</td>"
                    f"<td class=\"num\">{p.score_b:.2f}</td>"
                    f"<td class=\"num\">{p.lines_a} / {p.lines_b}</td></tr>\n")
    if not details:
        rows.append("<tr><td colspan=\"8\">no pairs to compare</td></tr>\n")
    rows.append("</tbody>\n</table>\n")
    return "".join(rows)


def _pair_section(n: int, pair, match, threshold: float) -> str:
    e = _escape
    flag = " (at or above the threshold)" if pair.score >= threshold else ""
    return (f"<section id=\"pair-{n}\">\n<h2>{n}. {e(pair.a.id)} and {e(pair.b.id)}: "
            f"{pair.score:.0%}{flag}</h2>\n<div class=\"sbs\">\n"
            + _side(pair.a, pair.b, pair.score_a, match.slices_a)
            + _side(pair.b, pair.a, pair.score_b, match.slices_b)
            + "</div>\n</section>\n")


def _side(doc, other, score: float, slices: np.ndarray) -> str:
    e = _escape
    kind = "" if doc.kind == "student" else " (reference)"
    head = (f"<div class=\"side\">\n<h3>{e(doc.id)}{kind}: {score:.0%} of its code is also in "
            f"{e(other.id)}</h3>\n")
    return head + "<pre class=\"code\">" + _render(doc, slices) + "</pre>\n</div>\n"


def _render(doc, slices: np.ndarray) -> str:
    """The document's lines with line numbers; shared regions in <mark>, handout lines
    greyed, file headers as bars, long runs without shared code folded."""
    text = doc.text
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    line_starts = np.concatenate([[0], np.cumsum([len(s) + 1 for s in lines])])
    ranges = _char_ranges(doc, slices)
    marked: dict[int, list[tuple[int, int]]] = {}
    for start, end in ranges:
        first = int(np.searchsorted(line_starts, start, side="right")) - 1
        last = int(np.searchsorted(line_starts, end - 1, side="right")) - 1
        for number in range(first, last + 1):
            if number in doc.boilerplate or number in doc.headers:
                continue
            line = lines[number]
            begin = max(start - int(line_starts[number]), len(line) - len(line.lstrip()))
            stop = min(end - int(line_starts[number]), len(line))
            if begin < stop:
                marked.setdefault(number, []).append((begin, stop))
    keep = set(doc.headers)
    for number in marked:
        keep.update(range(number - CONTEXT_LINES, number + CONTEXT_LINES + 1))
    width = len(str(len(lines)))
    out: list[str] = []
    hidden = _folded_lines(keep, len(lines))
    folded = 0
    shown = 0
    for number, line in enumerate(lines):
        if number in hidden:
            folded += 1
            continue
        if folded:
            out.append(f"<span class=\"gap\">{'':>{width}}  ... {folded} lines without shared "
                       f"code ...</span>\n")
            folded = 0
        if shown >= MAX_LINES_SHOWN:
            out.append(f"<span class=\"gap\">... the rest ({len(lines) - number} lines) is "
                       f"not shown ...</span>\n")
            break
        shown += 1
        out.append(f"<span class=\"n\">{number + 1:>{width}}</span>  ")
        if number in doc.headers:
            out.append(f"<span class=\"file\">{_escape(line)}</span>\n")
        elif number in doc.boilerplate:
            out.append(f"<span class=\"bp\">{_escape(line)}</span>\n")
        else:
            out.append(_marked_line(line, marked.get(number, [])) + "\n")
    if folded:
        out.append(f"<span class=\"gap\">{'':>{width}}  ... {folded} lines without shared "
                   f"code ...</span>\n")
    return "".join(out)


def _folded_lines(keep: set[int], total: int) -> set[int]:
    """The lines inside runs of more than ``MIN_FOLD`` consecutive lines not kept (a shorter
    run is shown: folding it would hide about as much as it saves)."""
    folded: set[int] = set()
    run: list[int] = []
    for number in range(total + 1):
        if number < total and number not in keep:
            run.append(number)
            continue
        if len(run) > MIN_FOLD:
            folded.update(run)
        run = []
    return folded


def _marked_line(line: str, spans: list[tuple[int, int]]) -> str:
    out = []
    at = 0
    for begin, end in sorted(spans):
        begin = max(begin, at)
        if begin >= end:
            continue
        out.append(_escape(line[at:begin]))
        out.append(f"<mark>{_escape(line[begin:end])}</mark>")
        at = end
    out.append(_escape(line[at:]))
    return "".join(out)


def _char_ranges(doc, slices: np.ndarray) -> list[tuple[int, int]]:
    """Stream slices [start, end) -> character ranges of the document's text."""
    ranges = []
    for start, end in zip(slices[0].tolist(), slices[1].tolist()):
        if end > start:
            ranges.append((int(doc.starts[start]), int(doc.ends[end - 1])))
    return ranges
