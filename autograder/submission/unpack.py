"""Read what a student handed in without trusting it: archives (.zip, .tar, .tar.gz, .tgz,
.tar.bz2, .tar.xz) and folders.

Every member of an archive is checked before anything is written: absolute paths and `..`
(zip-slip), symbolic and hard links, device files, the number of members, the total
uncompressed size and the compression ratio of each zip member. Only the members ``keep``
accepts are written (by default the student's .py files), always as fresh regular files under
the destination folder.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable

MiB = 1024 * 1024

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
IGNORED_NAMES = frozenset({"__pycache__", "__MACOSX"})
_CHUNK = 64 * 1024
# Tar headers (512 bytes a member, more for long names) come on top of the members' contents.
_TAR_OVERHEAD_PER_MEMBER = 4096


class SubmissionError(Exception):
    """A submission the grader cannot take. ``str()`` is one line a student understands."""

    def __init__(self, message: str):
        super().__init__(one_line(message))


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 2000             # archive members, or .py files in a submitted folder
    max_total_bytes: int = 50 * MiB     # uncompressed size of all members together
    max_ratio: float = 200.0            # uncompressed / compressed size of one zip member ...
    ratio_min_bytes: int = 1 * MiB      # ... checked for members at least this large
    max_folder_entries: int = 20000     # files and folders visited in a submitted folder


def one_line(text: str, limit: int = 400) -> str:
    """Control characters (newlines from hostile file names included) become spaces."""
    flat = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def show(name: object) -> str:
    """A file name as it may appear inside a message: quoted, short, printable."""
    text = one_line(str(name), 80)
    return f"'{text}'"


def is_ignored(rel: PurePosixPath) -> bool:
    """Packaging debris: macOS resource forks, caches, dot-files and dot-folders."""
    return any(part in IGNORED_NAMES or part.startswith(".") for part in rel.parts)


def is_code_file(rel: PurePosixPath) -> bool:
    return rel.suffix == ".py" and not is_ignored(rel)


def archive_suffix(name: str) -> str | None:
    lower = name.lower()
    # Longest first, so that "x.tar.gz" is not taken for a plain ".gz".
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return suffix
    return None


def member_path(raw: str, label: str) -> PurePosixPath | None:
    """The relative path an archive member may be written to; None for the archive's root.
    Absolute paths, drive letters and `..` are refused (Windows separators count as `/`)."""
    name = raw.replace("\\", "/")
    if "\x00" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        raise SubmissionError(f"{label}: unsafe path {show(raw)} in the archive "
                              f"(absolute paths are not allowed)")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise SubmissionError(f"{label}: unsafe path {show(raw)} in the archive "
                              f"('..' is not allowed)")
    return PurePosixPath(*parts) if parts else None


def extract_archive(archive: Path, dest: Path, label: str, limits: ArchiveLimits = ArchiveLimits(),
                    keep: Callable[[PurePosixPath], bool] = is_code_file) -> list[PurePosixPath]:
    """Check every member of ``archive``, then write the kept ones under ``dest`` (created).
    Returns the relative paths written, sorted. Anything wrong raises SubmissionError."""
    try:
        size = archive.stat().st_size
    except OSError as exc:
        raise SubmissionError(f"{label}: cannot read the archive ({exc.strerror})") from None
    # Compressed data is never much larger than its contents: a bigger file is refused unread.
    if size > limits.max_total_bytes + limits.max_members * _TAR_OVERHEAD_PER_MEMBER:
        raise SubmissionError(f"{label}: the archive is {size / MiB:.0f} MiB; at most "
                              f"{limits.max_total_bytes // MiB} MiB is accepted "
                              f"(submit only your code)")
    dest.mkdir(parents=True, exist_ok=True)
    writer = _Writer(dest, label, limits)
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, writer, keep)
        else:
            _extract_tar(archive, writer, keep)
    except SubmissionError:
        raise
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError, EOFError,
            OSError, ValueError, RuntimeError, NotImplementedError, UnicodeError,
            IndexError, KeyError, OverflowError) as exc:
        # Truncated, corrupt or junk archives surface as any of these from the standard library.
        kind = "zip" if archive_suffix(archive.name) == ".zip" else "tar"
        raise SubmissionError(f"{label}: not a valid .{kind} archive or it is damaged "
                              f"({type(exc).__name__}: {exc})") from None
    if writer.members == 0:
        raise SubmissionError(f"{label}: the archive is empty")
    return sorted(writer.written)


class _Writer:
    """Counts members and bytes against the limits and writes kept members as new files."""

    def __init__(self, dest: Path, label: str, limits: ArchiveLimits):
        self.dest, self.label, self.limits = dest, label, limits
        self.members = 0
        self.total_bytes = 0
        self.seen: set[PurePosixPath] = set()
        self.written: list[PurePosixPath] = []

    def admit(self, raw_name: str, declared_size: int) -> PurePosixPath | None:
        """Count one member; return its safe relative path (None for the archive root)."""
        self.members += 1
        if self.members > self.limits.max_members:
            raise SubmissionError(f"{self.label}: the archive has more than "
                                  f"{self.limits.max_members} files (submit only your code)")
        rel = member_path(raw_name, self.label)
        self.add_bytes(declared_size)
        return rel

    def add_bytes(self, count: int) -> None:
        self.total_bytes += max(count, 0)
        if self.total_bytes > self.limits.max_total_bytes:
            raise SubmissionError(f"{self.label}: the archive unpacks to more than "
                                  f"{self.limits.max_total_bytes // MiB} MiB (submit only your code)")

    def refuse_link(self, raw_name: str) -> None:
        raise SubmissionError(f"{self.label}: the archive contains a link {show(raw_name)}; "
                              f"links are not accepted (put the real file in the archive)")

    def refuse_special(self, raw_name: str) -> None:
        raise SubmissionError(f"{self.label}: the archive contains a device or special file "
                              f"{show(raw_name)}; only regular files are accepted")

    def write(self, rel: PurePosixPath, source: BinaryIO, declared_size: int) -> None:
        if rel in self.seen:
            raise SubmissionError(f"{self.label}: {show(rel)} appears twice in the archive")
        self.seen.add(rel)
        target = self.dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL|O_NOFOLLOW: the destination only ever holds folders and files made here.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as out:
            written = 0
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > declared_size:
                    raise SubmissionError(f"{self.label}: {show(rel)} is larger than the archive "
                                          f"says; the archive is damaged or malicious")
                out.write(chunk)
        self.written.append(rel)


def _extract_zip(archive: Path, writer: _Writer, keep) -> None:
    limits = writer.limits
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise SubmissionError(f"{writer.label}: the archive has {len(infos)} files; at most "
                                  f"{limits.max_members} are accepted (submit only your code)")
        planned = []
        for info in infos:
            rel = writer.admit(info.filename, info.file_size)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                writer.refuse_link(info.filename)
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
                writer.refuse_special(info.filename)
            if info.flag_bits & 0x1:
                raise SubmissionError(f"{writer.label}: the archive is password-protected")
            if (info.file_size >= limits.ratio_min_bytes
                    and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
                raise SubmissionError(f"{writer.label}: {show(info.filename)} expands "
                                      f"{info.file_size // max(info.compress_size, 1)} times when "
                                      f"unpacked; this looks like a zip bomb")
            if rel is not None and not info.is_dir() and keep(rel):
                planned.append((info, rel))
        for info, rel in planned:
            with zf.open(info) as member:
                writer.write(rel, member, info.file_size)


def _extract_tar(archive: Path, writer: _Writer, keep) -> None:
    limits = writer.limits
    budget = limits.max_total_bytes + (limits.max_members + 2) * _TAR_OVERHEAD_PER_MEMBER
    with open(archive, "rb") as raw:
        stream = _LimitedReader(_decompressed(raw), budget, writer)
        # Stream mode ("r|"): one pass, no seeking, decompression bounded by the reader above.
        with tarfile.open(fileobj=stream, mode="r|") as tf:
            for member in tf:
                rel = writer.admit(member.name, member.size if member.isreg() else 0)
                if member.issym() or member.islnk():
                    writer.refuse_link(member.name)
                if member.ischr() or member.isblk() or member.isfifo():
                    writer.refuse_special(member.name)
                if rel is not None and member.isreg() and keep(rel):
                    source = tf.extractfile(member)
                    writer.write(rel, source, member.size)


def _decompressed(raw: BinaryIO) -> BinaryIO:
    magic = raw.read(6)
    raw.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(raw)
    if magic == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(raw)
    return raw


class _LimitedReader:
    """A read-only stream that refuses to deliver more than ``budget`` bytes."""

    def __init__(self, inner: BinaryIO, budget: int, writer: _Writer):
        self.inner, self.budget, self.writer = inner, budget, writer
        self.delivered = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.budget - self.delivered + 1
        data = self.inner.read(min(size, self.budget - self.delivered + 1))
        self.delivered += len(data)
        if self.delivered > self.budget:
            raise SubmissionError(f"{self.writer.label}: the archive unpacks to more than "
                                  f"{self.writer.limits.max_total_bytes // MiB} MiB "
                                  f"(submit only your code)")
        return data


def list_code_files(folder: Path, label: str, limits: ArchiveLimits = ArchiveLimits(),
                    graded_names: frozenset[str] = frozenset(),
                    also: frozenset[str] = frozenset()) -> list[PurePosixPath]:
    """The .py files of a submitted folder, relative to it, sorted; packaging debris skipped.
    Files named in ``also`` (the assignment's notebooks) are listed too.

    Links are never followed: a linked .py file (or a linked folder named in ``graded_names``,
    the assignment's package or module) is refused,
    since it could point at grader files; other links are ignored. A .py that is not a regular
    file (a FIFO would block the reader) is refused."""
    found: list[PurePosixPath] = []
    visited = 0

    def unreadable(exc: OSError) -> None:
        where = os.path.relpath(exc.filename, folder) if exc.filename else "."
        raise SubmissionError(f"{label}: cannot read {show(where)} ({exc.strerror})")

    for dirpath, dirnames, filenames in os.walk(folder, onerror=unreadable):
        here = PurePosixPath(Path(dirpath).relative_to(folder).as_posix())
        kept_dirs = []
        for name in sorted(dirnames):
            rel = here / name
            if is_ignored(PurePosixPath(name)):
                continue
            if os.path.islink(os.path.join(dirpath, name)):
                if name in graded_names or name.endswith(".py"):
                    raise SubmissionError(f"{label}: {show(rel)} is a link; submit the real folder")
                continue
            kept_dirs.append(name)
        dirnames[:] = kept_dirs
        visited += len(dirnames) + len(filenames)
        if visited > limits.max_folder_entries:
            raise SubmissionError(f"{label}: the folder has more than {limits.max_folder_entries} "
                                  f"files (submit only your code)")
        for name in filenames:
            rel = here / name
            if not (is_code_file(rel) or (name in also and not is_ignored(rel))):
                continue
            try:
                mode = os.lstat(os.path.join(dirpath, name)).st_mode
            except OSError as exc:
                raise SubmissionError(f"{label}: cannot read {show(rel)} ({exc.strerror})") from None
            if stat.S_ISLNK(mode):
                raise SubmissionError(f"{label}: {show(rel)} is a link; submit the real file")
            if not stat.S_ISREG(mode):
                raise SubmissionError(f"{label}: {show(rel)} is not a regular file")
            found.append(rel)
        if len(found) > limits.max_members:
            raise SubmissionError(f"{label}: the folder has more than {limits.max_members} .py "
                                  f"files (submit only your code)")
    return sorted(found)


def read_code_file(path: Path, label: str, rel: PurePosixPath, max_bytes: int) -> bytes:
    """The bytes of one regular file, at most ``max_bytes``; links and FIFOs are refused without
    blocking (O_NONBLOCK, O_NOFOLLOW, then fstat)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise SubmissionError(f"{label}: cannot read {show(rel)} ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionError(f"{label}: {show(rel)} is not a regular file")
        try:
            data = f.read(max_bytes + 1)
        except OSError as exc:
            raise SubmissionError(f"{label}: cannot read {show(rel)} ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise SubmissionError(f"{label}: {show(rel)} is larger than {max_bytes // MiB} MiB")
    return data
