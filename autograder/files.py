"""The kit's one module of file helpers: atomic writes, deterministic archives, and the files
of a package folder.

Atomic: the data goes to a temporary file in the target's own folder (so the rename stays on
one file system), is flushed and fsync'ed, then ``os.replace`` puts it in place; readers see the
old file or the complete new one, never a part. If anything fails or is interrupted before the
rename (an exception, Ctrl-C), the temporary file is removed and the target is left as it was.

Deterministic: archive members are sorted, with fixed timestamps, owners and permissions, so
that building twice from the same files gives the same bytes.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Iterable, Iterator

_NEW_FILE_MODE = 0o644
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
EXECUTABLE, REGULAR = 0o755, 0o644
IGNORED_PARTS = frozenset({"__pycache__", ".pytest_cache"})


# --------------------------------------------------------------------------- atomic writes

@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, binary: bool = False,
                  encoding: str = "utf-8") -> Iterator[IO]:
    """``with atomic_writer(p) as f: f.write(...)``; the file appears at ``p`` only if the block
    finishes without raising. Text mode writes ``\\n`` untranslated."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    mode = _mode_to_keep(path)
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        if binary:
            stream = os.fdopen(fd, "wb")
        else:
            stream = os.fdopen(fd, "w", encoding=encoding, newline="")
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _sync_folder(folder)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_writer(path, binary=True) as stream:
        stream.write(data)


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    # Encode first: an unencodable string fails before any file is touched.
    write_bytes(path, text.encode(encoding))


def write_json(path: str | os.PathLike, value, indent: int | None = 2) -> None:
    """``value`` as JSON with sorted keys and a final newline (serialised before any file is
    touched, so a value JSON cannot hold leaves the target as it was)."""
    write_text(path, json.dumps(value, indent=indent, sort_keys=True) + "\n")


def _mode_to_keep(path: str) -> int:
    """Replacing a file keeps its permissions; a new file gets rw-r--r-- (mkstemp makes 0600)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return _NEW_FILE_MODE


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable; some file systems refuse, which only costs durability."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- package files

def package_files(folder: Path, prefix: str) -> dict[str, bytes]:
    """Every file under ``folder`` as ``prefix/relative/path`` -> bytes (caches and dot-files
    left out)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in IGNORED_PARTS or part.startswith(".") for part in rel.parts):
            continue
        if path.suffix == ".pyc" or not path.is_file():
            continue
        files[f"{prefix}/{rel.as_posix()}"] = path.read_bytes()
    return files


# ------------------------------------------------------------------------- deterministic archives

def zip_bytes(files: dict[str, bytes], executables: Iterable[str] = ()) -> bytes:
    """A zip of ``files`` (member name -> bytes): sorted, 1980-01-01 timestamps, Unix modes."""
    executables = set(executables)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3   # Unix, so that the permission bits below are honoured
            mode = EXECUTABLE if name in executables else REGULAR
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def tar_bytes(files: dict[str, bytes], executables: Iterable[str] = ()) -> bytes:
    """A ustar tar of ``files``: sorted, mtime 0, owner root, no user names."""
    executables = set(executables)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mtime = 0
            info.mode = EXECUTABLE if name in executables else REGULAR
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(files[name]))
    return buffer.getvalue()


def read_zip(data: bytes) -> dict[str, bytes]:
    """Member name -> bytes of a zip held in memory (folders left out)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()
                if not info.is_dir()}
