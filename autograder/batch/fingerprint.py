"""What a stored result was graded from, so that a rerun regrades only what changed.

A result is reused when both match: the submission's content hash and the grader key (suite,
rubric file, reference manifests; the manifests carry every reference array's checksum).
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path

from autograder.assignments import SubmissionShape
from autograder.manifest import SUITES, manifest_path
from autograder.submission import SubmissionError, prepare

_CHUNK = 1024 * 1024


def submission_hash(source: Path, shape: SubmissionShape) -> str:
    """``code:<sha256>`` of the code the grader would run (notes, notebooks and packaging do
    not count), or ``raw:<sha256>`` of the entry's bytes when no code can be located."""
    with tempfile.TemporaryDirectory(prefix="autograder-hash-") as scratch:
        try:
            return "code:" + prepare(Path(source), Path(scratch), shape).sha256
        except SubmissionError:
            return "raw:" + raw_hash(Path(source))


def raw_hash(source: Path) -> str:
    """Over every regular file of a folder (relative path, size, bytes; links not followed), or
    over a file's bytes."""
    digest = hashlib.sha256()
    if source.is_dir():
        for dirpath, dirnames, filenames in os.walk(source):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath, name)
                rel = path.relative_to(source).as_posix().encode("utf-8", "surrogateescape")
                digest.update(b"%s\0" % rel)
                _add_file(digest, path)
    else:
        _add_file(digest, source)
    return digest.hexdigest()


def _add_file(digest, path: Path) -> None:
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode):
            digest.update(b"<not a regular file>\0")
            return
        with open(path, "rb") as stream:
            digest.update(b"%d\0" % os.fstat(stream.fileno()).st_size)
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        digest.update(f"<unreadable: {exc.strerror}>\0".encode())


def grader_key(suite: str, rubric_path: str, data_dir: Path) -> str:
    """Over the suite, the rubric file and the assignment's reference manifests."""
    digest = hashlib.sha256(f"suite={suite}\0data={data_dir.name}\0".encode())
    for path in [Path(rubric_path)] + [manifest_path(name, data_dir) for name in SUITES]:
        digest.update(f"{path.name}\0".encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<absent>")
        digest.update(b"\0")
    return digest.hexdigest()
