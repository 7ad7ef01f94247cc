"""The grade of one submission: cases inside rubric items inside a result.

Scores are exact here; every view rounds for display. ``from_dict`` loaders read back what
``json_view.to_json`` wrote (a batch resumes from those files), rejecting malformed data with a
one-line ``ResultFormatError``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping   # isinstance on typing.Mapping is slow
from typing import Any

STATUSES = ("graded", "error")


class ResultFormatError(ValueError):
    """A stored result that is not in the format ``to_json`` writes (one-line message)."""


MAX_IMAGE_BYTES = 1_000_000        # one stored PNG (ours are far smaller: 480 px a side at most)
MAX_LABEL_CHARS = 300
MAX_EXPORT_CHARS = 4_000_000       # one notebook's stored HTML export
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Image:
    """A picture of one case: a figure its notebook drew, or a heat map the grader made. ``png``
    is always encoded on the trusted side (autograder/feedback/png.py)."""
    label: str
    png: bytes

    def to_dict(self) -> dict[str, str]:
        import base64
        return {"label": self.label, "png_base64": base64.b64encode(self.png).decode("ascii")}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Image":
        import base64
        import binascii
        where = "image"
        _require_mapping(data, where)
        label = _get(data, "label", str, where)
        text = _get(data, "png_base64", str, where)
        if len(label) > MAX_LABEL_CHARS or len(text) > MAX_IMAGE_BYTES * 4 // 3 + 4:
            raise ResultFormatError("image: label or picture too large")
        try:
            png = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ResultFormatError("image: png_base64 is not base64") from None
        if not png.startswith(_PNG_SIGNATURE):
            raise ResultFormatError("image: not a PNG")
        return cls(label, png)


@dataclass
class CaseResult:
    name: str
    passed: bool
    hidden: bool
    message: str = ""   # why it failed, for the student; empty when it passed
    # Not scored: the case also runs another item's code and that item failed in the same
    # grading, so the bug is charged there. Counted in neither numerator nor denominator.
    excused: bool = False
    images: list[Image] = field(default_factory=list)   # figures, heat maps (bounded)

    @property
    def scored(self) -> bool:
        return not self.excused

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CaseResult":
        where = f"case {data.get('name')!r}" if isinstance(data, Mapping) else "case"
        _require_mapping(data, where)
        return cls(name=_get(data, "name", str, where), passed=_get(data, "passed", bool, where),
                   hidden=_get(data, "hidden", bool, where),
                   message=_get(data, "message", str, where),
                   excused=_get(data, "excused", bool, where, default=False),
                   images=[Image.from_dict(image)
                           for image in _get(data, "images", list, where, default=[])])


@dataclass
class ItemResult:
    id: str
    name: str
    score: float        # exact, not rounded
    max_score: float    # the item's points
    bonus: bool
    cases: list[CaseResult] = field(default_factory=list)
    manual: bool = False   # graded by hand (a report): awaiting, never in the automatic total
    # A manual item once the gradebook has its score (autograder/gradebook/, applied by
    # grade.score.with_hand_grades): ``score`` is then the hand score and ``comment`` the
    # grader's remark for the student.
    hand_graded: bool = False
    comment: str = ""

    @property
    def awaiting(self) -> bool:
        """A manual item nobody has graded by hand yet."""
        return self.manual and not self.hand_graded

    @property
    def scored_cases(self) -> list[CaseResult]:
        """The cases that count: every case but the excused ones."""
        return [case for case in self.cases if case.scored]

    @property
    def passed_count(self) -> int:
        return sum(case.passed for case in self.scored_cases)

    @property
    def scored_count(self) -> int:
        return len(self.scored_cases)

    @property
    def excused_count(self) -> int:
        return len(self.cases) - self.scored_count

    @property
    def all_passed(self) -> bool:
        scored = self.scored_cases
        return bool(scored) and all(case.passed for case in scored)

    def failures(self, include_hidden: bool = True) -> list[CaseResult]:
        """Scored cases that failed, in order."""
        return [case for case in self.scored_cases
                if not case.passed and (include_hidden or not case.hidden)]

    def first_failure(self, include_hidden: bool = True) -> CaseResult | None:
        failures = self.failures(include_hidden)
        return failures[0] if failures else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ItemResult":
        where = f"item {data.get('id')!r}" if isinstance(data, Mapping) else "item"
        _require_mapping(data, where)
        cases = _get(data, "cases", list, where)
        return cls(id=_get(data, "id", str, where), name=_get(data, "name", str, where),
                   score=_number(data, "score", where), max_score=_number(data, "max_score", where),
                   bonus=_get(data, "bonus", bool, where),
                   cases=[CaseResult.from_dict(case) for case in cases],
                   manual=_get(data, "manual", bool, where, default=False),
                   hand_graded=_get(data, "hand_graded", bool, where, default=False),
                   comment=_get(data, "comment", str, where, default=""))


@dataclass
class GradeResult:
    score: float        # min(cap, sum of item scores incl. bonus), exact
    max_score: float    # the cap
    items: list[ItemResult]
    flags: list[str] = field(default_factory=list)   # e.g. "forbidden-import:torch"
    suite: str = ""     # "visible" | "all"
    submission: str = ""
    seconds: float = 0.0
    status: str = "graded"   # "graded" | "error" (the grader itself failed)
    error: str = ""     # one line shown to students: why the grader failed (status "error"), or
                        # why a graded submission lost its points (e.g. a forbidden import)
    output: str = ""    # captured worker output (truncated); instructors only
    # The rubric's release_hidden_after_due: student views may show hidden cases' messages
    # (Gradescope after the due date; Autolab and PrairieLearn at once).
    release_hidden: bool = False
    # Notebook name -> its HTML export (built on the trusted side, every text escaped), or the
    # path of the file it was written to (batch writes them next to the student's report).
    exports: dict[str, str] = field(default_factory=dict)

    @property
    def images(self) -> list[tuple[CaseResult, Image]]:
        """Every case's images, in item and case order."""
        return [(case, image) for item in self.items for case in item.cases
                for image in case.images]

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def manual_points(self) -> float:
        """Points of the items awaiting hand grading (not in ``score``)."""
        return math.fsum(item.max_score for item in self.items if item.awaiting)

    @property
    def automatic_max(self) -> float:
        """What the automatic items can earn toward the cap: the cap less the manual points."""
        return self.max_score - self.manual_points

    @property
    def raw_score(self) -> float:
        """The sum of item scores before the cap."""
        return math.fsum(item.score for item in self.items)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GradeResult":
        where = "result"
        _require_mapping(data, where)
        items = _get(data, "items", list, where)
        flags = _get(data, "flags", list, where)
        if not all(isinstance(flag, str) for flag in flags):
            raise ResultFormatError("result: every flag must be a string")
        status = _get(data, "status", str, where)
        if status not in STATUSES:
            raise ResultFormatError(f"result: status must be one of {STATUSES}, got {status!r}")
        return cls(score=_number(data, "score", where), max_score=_number(data, "max_score", where),
                   items=[ItemResult.from_dict(item) for item in items], flags=list(flags),
                   suite=_get(data, "suite", str, where),
                   submission=_get(data, "submission", str, where),
                   seconds=_number(data, "seconds", where), status=status,
                   error=_get(data, "error", str, where),
                   output=_get(data, "output", str, where, default=""),
                   release_hidden=_get(data, "release_hidden", bool, where, default=False),
                   exports=_exports(_get(data, "exports", dict, where, default={})))


def _exports(data: Mapping[str, Any]) -> dict[str, str]:
    if not all(isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_EXPORT_CHARS
               for k, v in data.items()):
        raise ResultFormatError("result: exports must map notebook names to HTML text or paths")
    return dict(data)


def error_result(specs: Iterable[Any], cap: float, reason: str, **details: Any) -> GradeResult:
    """The grader failed: every rubric item present with score 0 and no cases, and the reason.
    ``reason`` is shown to students, so it must be one line without grader internals."""
    items = [ItemResult(id=_spec(spec, "id"), name=_spec(spec, "name"), score=0.0,
                        max_score=float(_spec(spec, "points")),
                        bonus=bool(_spec(spec, "bonus", False)), cases=[],
                        manual=bool(_spec(spec, "manual", False)))
             for spec in specs]
    return GradeResult(score=0.0, max_score=float(cap), items=items, status="error",
                       error=reason, **details)


_MISSING = object()


def _spec(spec: Any, name: str, default: Any = _MISSING) -> Any:
    if isinstance(spec, Mapping):
        value = spec.get(name, default)
    else:
        value = getattr(spec, name, default)
    if value is _MISSING:
        raise ValueError(f"rubric item {spec!r} has no {name!r}")
    return value


def _require_mapping(data: Any, where: str) -> None:
    if not isinstance(data, Mapping):
        raise ResultFormatError(f"{where}: expected a JSON object, got {type(data).__name__}")


def _get(data: Mapping[str, Any], key: str, kind: type, where: str, default: Any = _MISSING) -> Any:
    if key not in data:
        if default is not _MISSING:
            return default
        raise ResultFormatError(f"{where}: missing field {key!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise ResultFormatError(f"{where}: field {key!r} must be {kind.__name__}, "
                                f"got {type(value).__name__}")
    return value


def _number(data: Mapping[str, Any], key: str, where: str) -> float:
    if key not in data:
        raise ResultFormatError(f"{where}: missing field {key!r}")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ResultFormatError(f"{where}: field {key!r} must be a finite number, got {value!r}")
    return float(value)
