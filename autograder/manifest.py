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
    seconds: float | None = None   # the case's own time limit (a notebook's), capped by the
                                   # policy's notebook_seconds; None: the policy's case_seconds
    reference_seconds: float | None = None   # the solution's time on it when the references
                                   # were made (manifest only); None: not recorded

    @property
    def methods(self) -> str:
        """Cases of one item with the same family and the same ``uses`` run the same methods
        of the submission: once one of them times out, the others get the short limit."""
        return f"{self.family}:{','.join(sorted(map(str, self.uses)))}"

    def worker_spec(self) -> dict:
        """What the sandbox needs; cases of one rubric item may share a process."""
        spec = {"name": self.name, "family": self.family, "params": self.params,
                "group": self.item, "methods": self.methods}
        if self.seconds is not None:
            spec["seconds"] = self.seconds
        if self.reference_seconds is not None:
            spec["reference_seconds"] = self.reference_seconds
        return spec

    def reference(self) -> dict:
        """The saved arrays (fresh copies), checked against the manifest's checksums."""
        arrays, digests = _read_reference(self.data_dir / f"{self.name}.npz")
        for key, meta in self.arrays.items():
            if digests.get(key) != meta.get("sha256"):
                raise ManifestError(f"reference {self.name}.npz: array {key!r} does not match "
                                    f"its manifest checksum; regenerate the references")
        return {key: array.copy() for key, array in arrays.items()}


# Reference files already read by this process, with their checksums, by path; an entry holds
# while the file's inode, size and modification time are the same. A batch's parent reads
# them all before it forks its jobs (preload_references), so no job reads or checksums one.
_read: dict[Path, tuple[tuple[int, int, int], dict, dict]] = {}


def _read_reference(path: Path) -> tuple[dict, dict]:
    """(arrays, sha256 of each) of a reference file; the arrays are this cache's own."""
    try:
        info = path.stat()
        signature = (info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        signature = None
    cached = _read.get(path)
    if cached is not None and cached[0] == signature:
        return cached[1], cached[2]
    arrays = read_npz(path, _MAX_REFERENCE_BYTES)
    digests = {key: array_digest(array) for key, array in arrays.items()}
    if signature is not None:
        _read[path] = (signature, arrays, digests)
    return arrays, digests


def preload_references(cases: list[Case]) -> None:
    """Read (and checksum) the references of ``cases`` into this process's cache; one that is
    missing or broken is left for grading to report."""
    for case in cases:
        if case.data_dir is not None:
            try:
                _read_reference(case.data_dir / f"{case.name}.npz")
            except (OSError, ValueError):
                pass


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
    seconds = entry.get("seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not seconds > 0):
        raise ManifestError(f"{where}: case {entry['name']!r}: seconds must be a positive number")
    reference = entry.get("reference_seconds")
    if reference is not None and (isinstance(reference, bool)
                                  or not isinstance(reference, (int, float)) or not reference > 0):
        raise ManifestError(f"{where}: case {entry['name']!r}: reference_seconds must be a "
                            f"positive number")
    return Case(entry["name"], entry["family"], entry["item"], params, list(uses), hidden,
                dict(entry.get("arrays", {})),
                seconds=float(seconds) if seconds is not None else None,
                reference_seconds=float(reference) if reference is not None else None)


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


def manifest_entry(case: Case, arrays: dict, seconds: float | None = None) -> dict:
    """``seconds``: the solution's time on the case, from which grading derives its limit."""
    return {"name": case.name, "family": case.family, "item": case.item, "uses": case.uses,
            "params": case.params, "file": f"{case.name}.npz",
            "arrays": {k: {"shape": list(v.shape), "sha256": array_digest(v)}
                       for k, v in sorted(arrays.items())},
            **({"seconds": case.seconds} if case.seconds is not None else {}),
            # Cases a process finished at once are timed as 0: the smallest time recorded.
            **({"reference_seconds": max(round(seconds, 4), 0.0001)} if seconds is not None
               else {})}


def write_manifest(folder: Path, suite: str, entries: list[dict]) -> Path:
    path = folder / "manifest.json"
    text = json.dumps({"suite": suite, "format": FORMAT, "cases": entries}, indent=1,
                      sort_keys=True) + "\n"
    temp = path.with_suffix(".json.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)
    return path
