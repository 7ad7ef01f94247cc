"""Deterministic archives: sorted members, fixed timestamps, owners and permissions, so that
building twice from the same tree gives the same bytes."""
from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path
from typing import Iterable

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
EXECUTABLE, REGULAR = 0o755, 0o644
IGNORED_PARTS = frozenset({"__pycache__", ".pytest_cache"})


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


def zip_bytes(files: dict[str, bytes], executables: Iterable[str] = ()) -> bytes:
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
