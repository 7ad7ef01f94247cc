"""Which images a student view shows: the visible cases' (a hidden case's picture would show
its hidden values; under the release switch, every case's), in rubric order, within a byte
budget per view (PNG bytes; a data URI is 4/3 of that)."""
from __future__ import annotations

import base64
import html

from .model import CaseResult, GradeResult, Image, ItemResult


def shown_images(result: GradeResult, show_hidden: bool = False,
                 budget: int | None = None) -> list[tuple[ItemResult, CaseResult, Image]]:
    """(item, case, image) for every image a student may see, until ``budget`` PNG bytes."""
    shown, used = [], 0
    for item in result.items:
        for case in item.cases:
            if case.hidden and not show_hidden:
                continue
            for image in case.images:
                if budget is not None and used + len(image.png) > budget:
                    continue
                used += len(image.png)
                shown.append((item, case, image))
    return shown


def data_uri(image: Image) -> str:
    return "data:image/png;base64," + base64.b64encode(image.png).decode("ascii")


def img_tag(image: Image, src: str | None = None) -> str:
    """An <img> with its caption, every text escaped (``src``: a file name; default a data URI)."""
    source = html.escape(src if src is not None else data_uri(image), quote=True)
    label = html.escape(image.label, quote=True)
    return (f'<figure><img src="{source}" alt="{label}" style="max-width:100%">'
            f"<figcaption>{label}</figcaption></figure>")


def image_file_name(case: CaseResult, index: int) -> str:
    """``<case>-<n>.png``: case names are [a-z0-9_]+, so this is a safe file name."""
    safe = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in case.name) or "case"
    return f"{safe}-{index}.png"
