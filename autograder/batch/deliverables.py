"""The files a hand grader reads (the report PDF, say: the assignment's file deliverables),
copied out of each submission into ``BATCH_DIR/files/<student>/`` so that the review page
(python -m autograder review) serves them from inside the batch folder only.

Intake copies only the graded sources; this copies only the named deliverables: regular
files (links are never followed), at most ``MAX_BYTES`` each, found at their path or, failing
that, by name anywhere in the submission (shallowest first), from a folder or an archive.
"""
from __future__ import annotations

import os
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from autograder.files import write_bytes

FILES_DIR = "files"
MAX_BYTES = 64 * 1024 * 1024


def copy_deliverables(source: Path, shape, out: Path, student: str) -> list[str]:
    """Copy the shape's file deliverables found in ``source`` to ``out/files/<student>/``;
    returns the names copied. A deliverable that is missing or unreadable is skipped (intake
    already flags it as missing)."""
    names = [PurePosixPath(d.path).name for d in shape.deliverables if d.kind == "file"]
    if not names:
        return []
    found = _from_folder(source, names) if source.is_dir() else _from_archive(source, names)
    folder = Path(out) / FILES_DIR / student
    if found:
        folder.mkdir(parents=True, exist_ok=True)
    for name, data in found.items():
        path = folder / name
        if not (path.is_file() and not path.is_symlink() and path.read_bytes() == data):
            write_bytes(path, data)     # unchanged files keep their time: nothing to recheck
    if folder.is_dir() and not folder.is_symlink():
        for old in folder.iterdir():    # a deliverable the new submission no longer has
            if old.name not in found and (old.is_file() or old.is_symlink()):
                old.unlink()
    return sorted(found)


def _shallowest(paths: list[PurePosixPath], name: str) -> PurePosixPath | None:
    matches = [p for p in paths if p.name == name and "__MACOSX" not in p.parts]
    return min(matches, key=lambda p: (len(p.parts), str(p))) if matches else None


def _from_folder(folder: Path, names: list[str]) -> dict[str, bytes]:
    paths = []
    for dirpath, dirnames, filenames in os.walk(folder):   # os.walk does not follow links
        paths += [PurePosixPath(Path(dirpath, f).relative_to(folder).as_posix())
                  for f in filenames if f in names]
    found = {}
    for name in names:
        rel = _shallowest(paths, name)
        if rel is None:
            continue
        path = folder.joinpath(*rel.parts)
        try:
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_BYTES:
                found[name] = path.read_bytes()
        except OSError:
            continue
    return found


def _from_archive(archive: Path, names: list[str]) -> dict[str, bytes]:
    found = {}
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped:
                members = {PurePosixPath(i.filename): i for i in zipped.infolist()
                           if not i.is_dir() and i.file_size <= MAX_BYTES
                           and not stat.S_ISLNK(i.external_attr >> 16)}
                for name in names:
                    rel = _shallowest(list(members), name)
                    if rel is not None:
                        found[name] = zipped.read(members[rel])[:MAX_BYTES]
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tarred:
                members = {PurePosixPath(m.name): m for m in tarred.getmembers()
                           if m.isreg() and m.size <= MAX_BYTES}
                for name in names:
                    rel = _shallowest(list(members), name)
                    if rel is not None:
                        stream = tarred.extractfile(members[rel])
                        if stream is not None:
                            found[name] = stream.read(MAX_BYTES)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, RuntimeError, ValueError):
        return found
    return found
