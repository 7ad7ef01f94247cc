"""Case specs (an assignment's grading/cases/*.toml) and the reference manifests
(data/<assignment>/<suite>/manifest.json).

Grading reads only manifests and npz files; the TOML specs are what ``references`` reads to
(re)generate them.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.npz import array_digest, read_npz

SUITES = ("visible", "hidden")
FORMAT = 1
_NAME = re.compile(r"^[a-z0-9_]+$")
_MAX_REFERENCE_BYTES = 256 * 1024 * 1024


class ManifestError(ValueError):
    """Case specs or reference data that are missing or malformed (one-line message)."""


@dataclass
class Case:
    name: str
    family: str
    item: str
    params: dict
    uses: list[str] = field(default_factory=list)
    hidden: bool = False
    arrays: dict = field(default_factory=dict)   # name -> {"shape", "sha256"} (from a manifest)
    data_dir: Path | None = None

    def worker_spec(self) -> dict:
        """What the sandbox needs; cases of one rubric item may share a process."""
        return {"name": self.name, "family": self.family, "params": self.params,
                "group": self.item}

    def reference(self) -> dict:
        """The saved arrays, checked against the manifest's checksums."""
        arrays = read_npz(self.data_dir / f"{self.name}.npz", _MAX_REFERENCE_BYTES)
        for key, meta in self.arrays.items():
            if key not in arrays or array_digest(arrays[key]) != meta.get("sha256"):
                raise ManifestError(f"reference {self.name}.npz: array {key!r} does not match "
                                    f"its manifest checksum; regenerate the references")
        return arrays


def load_case_specs(suite: str, cases_dir: Path) -> list[Case]:
    path = cases_dir / f"{suite}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: {exc}") from None
    cases = []
    for entry in data.get("case", []):
        cases.append(_case_from(entry, f"{path}", hidden=(suite == "hidden")))
    _check_unique(cases, str(path))
    return cases


def _case_from(entry, where: str, hidden: bool) -> Case:
    if not isinstance(entry, dict):
        raise ManifestError(f"{where}: a case is not a table")
    missing = [k for k in ("name", "family", "item") if not isinstance(entry.get(k), str)]
    if missing:
        raise ManifestError(f"{where}: case {entry.get('name', '?')!r} lacks {', '.join(missing)}")
    if not _NAME.match(entry["name"]):
        raise ManifestError(f"{where}: case name {entry['name']!r} must match [a-z0-9_]+")
    params = entry.get("params", {})
    uses = entry.get("uses", [])
    if not isinstance(params, dict) or not isinstance(uses, list):
        raise ManifestError(f"{where}: case {entry['name']!r}: params must be a table, uses a list")
    return Case(entry["name"], entry["family"], entry["item"], params, list(uses), hidden,
                dict(entry.get("arrays", {})))


def _check_unique(cases: list[Case], where: str) -> None:
    seen = set()
    for case in cases:
        if case.name in seen:
            raise ManifestError(f"{where}: case name {case.name!r} appears twice")
        seen.add(case.name)


def manifest_path(suite: str, data_dir: Path) -> Path:
    return data_dir / suite / "manifest.json"


def available_suites(data_dir: Path) -> list[str]:
    return [s for s in SUITES if manifest_path(s, data_dir).is_file()]


def load_manifest(suite: str, data_dir: Path) -> list[Case]:
    path = manifest_path(suite, data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"no {suite} references at {path} ({exc.strerror}); "
                            f"run `python -m autograder references`") from None
    except ValueError as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ManifestError(f"{path}: unknown manifest format")
    cases = [_case_from(entry, str(path), hidden=(suite == "hidden")) for entry in data["cases"]]
    _check_unique(cases, str(path))
    for case in cases:
        case.data_dir = path.parent
    return cases


def manifest_entry(case: Case, arrays: dict) -> dict:
    return {"name": case.name, "family": case.family, "item": case.item, "uses": case.uses,
            "params": case.params, "file": f"{case.name}.npz",
            "arrays": {k: {"shape": list(v.shape), "sha256": array_digest(v)}
                       for k, v in sorted(arrays.items())}}


def write_manifest(folder: Path, suite: str, entries: list[dict]) -> Path:
    path = folder / "manifest.json"
    text = json.dumps({"suite": suite, "format": FORMAT, "cases": entries}, indent=1,
                      sort_keys=True) + "\n"
    temp = path.with_suffix(".json.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)
    return path
