"""Write files atomically: readers see the old file or the complete new one, never a part.

The data goes to a temporary file in the target's own folder (so the rename stays on one file
system), is flushed and fsync'ed, then ``os.replace`` puts it in place. If anything fails or is
interrupted before the rename (an exception, Ctrl-C), the temporary file is removed and the target
is left as it was.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from typing import IO, Iterator

_NEW_FILE_MODE = 0o644


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
