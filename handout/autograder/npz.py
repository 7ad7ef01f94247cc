"""Plain float arrays to and from ``.npz`` files: deterministic bytes, never pickle, bounded size."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# NumPy is imported where it is used: grading starts the sandbox (whose start-up needs this
# module) before the trusted process has any use for NumPy, so the two load side by side.

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class ArrayFileError(ValueError):
    """An array file that is missing, too large, malformed or not plain float64."""


def array_digest(array: np.ndarray) -> str:
    import numpy as np
    data = np.ascontiguousarray(array, dtype="<f8")
    return hashlib.sha256(repr(data.shape).encode() + data.tobytes()).hexdigest()


def encode_npz(arrays: dict[str, np.ndarray]) -> bytes:
    """The bytes of an npz holding ``arrays`` (names sorted, fixed timestamps): same input, same bytes."""
    import numpy as np
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name], dtype="<f8"),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def write_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write atomically (temp file in the same folder, then rename)."""
    path = os.fspath(path)
    temp = f"{path}.tmp{os.getpid()}"
    with open(temp, "wb") as f:
        f.write(encode_npz(arrays))
    os.replace(temp, path)


def read_npz(path: str | os.PathLike, max_bytes: int) -> dict[str, np.ndarray]:
    """Read float64 arrays written by anyone (a student's worker included): size-checked,
    ``allow_pickle=False``, only float64 of at most 4 dimensions."""
    import numpy as np
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise ArrayFileError(f"no result file ({exc.strerror})") from None
    if size > max_bytes:
        raise ArrayFileError(f"result too large ({size} bytes; the limit is {max_bytes})")
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > max_bytes:
                raise ArrayFileError(f"result too large (the limit is {max_bytes} bytes)")
        arrays = {}
        with np.load(path, allow_pickle=False) as loaded:
            for name in loaded.files:
                array = loaded[name]
                if array.dtype != np.float64 or array.ndim > 4:
                    raise ArrayFileError(f"array {name!r} is {array.dtype} with {array.ndim} dims")
                arrays[name] = np.array(array)
        return arrays
    except ArrayFileError:
        raise
    except Exception as exc:  # a corrupt file from an untrusted writer: any parse error
        raise ArrayFileError(f"unreadable result file ({type(exc).__name__}: {exc})") from None
