"""Plain float arrays to and from ``.npz`` files: deterministic bytes, never pickle, bounded size.

Grading reads two npz per case (the reference and what the sandbox sent back), so reading is on
the hot path: an archive laid out as ``encode_npz`` writes it (stored members, the canonical
header of a C-ordered float64 array) is parsed straight from its bytes, about ten times faster
than ``np.load``; anything else takes ``np.load``'s path, with the same checks.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import zipfile
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# NumPy is imported where it is used: grading starts the sandbox (whose start-up needs this
# module) before the trusted process has any use for NumPy, so the two load side by side.

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_MAX_DIMS = 4
_LOCAL_HEADER = struct.Struct("<4s22xHH")   # signature, ..., file name length, extra length
_NPY_HEADER = re.compile(
    rb"\x93NUMPY\x01\x00(?P<length>..)"
    rb"\{'descr': '<f8', 'fortran_order': False, 'shape': \((?P<shape>|[0-9]+,|[0-9]+(?:, [0-9]+)+)\), \} *\n",
    re.DOTALL)


class ArrayFileError(ValueError):
    """An array file that is missing, too large, malformed or not plain float64."""


def array_digest(array: np.ndarray) -> str:
    import numpy as np
    data = np.ascontiguousarray(array, dtype="<f8")
    return hashlib.sha256(repr(data.shape).encode() + data.tobytes()).hexdigest()


def encode_npz(arrays: dict[str, np.ndarray]) -> bytes:
    """The bytes of an npz holding ``arrays`` (names sorted, fixed timestamps): same input, same
    bytes. The archive is what ``zipfile`` writes for stored members (tests/test_npz.py checks
    byte for byte), assembled directly: every case of every grading writes one."""
    import numpy as np
    local, central, offset = [], [], 0
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name], dtype="<f8")
        member = _npy_header(array.shape) + array.tobytes()
        filename = (name + ".npy").encode("utf-8")
        flags = 0 if filename.isascii() else _UTF8_FLAG
        crc, size = zlib.crc32(member), len(member)
        if size > _ZIP64_LIMIT or offset > _ZIP64_LIMIT:
            return _encode_npz_with_zipfile(arrays)
        local += [_LOCAL.pack(b"PK\x03\x04", 20, 0, flags, 0, 0, _DOS_DATE, crc, size, size,
                              len(filename), 0), filename, member]
        central += [_CENTRAL.pack(b"PK\x01\x02", 20, 3, 20, 0, flags, 0, 0, _DOS_DATE, crc,
                                  size, size, len(filename), 0, 0, 0, 0, _MEMBER_MODE, offset),
                    filename]
        offset += _LOCAL.size + len(filename) + size
    directory = b"".join(central)
    count = len(central) // 2
    end = _END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0)
    return b"".join(local) + directory + end


_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_DOS_DATE = (0 << 9) | (1 << 5) | 1          # 1980-01-01, the fixed timestamp (time 00:00:00)
_UTF8_FLAG = 0x800
_MEMBER_MODE = 0o644 << 16
_ZIP64_LIMIT = (1 << 31) - 1
_headers: dict[tuple[int, ...], bytes] = {}


def _npy_header(shape: tuple[int, ...]) -> bytes:
    """NumPy's own .npy header for a C-ordered float64 array of ``shape`` (cached: a grading
    sees few shapes)."""
    header = _headers.get(shape)
    if header is None:
        import numpy as np
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
        header = _headers[shape] = buffer.getvalue()
    return header


def _encode_npz_with_zipfile(arrays: dict[str, np.ndarray]) -> bytes:
    """The same archive through ``zipfile`` (which adds ZIP64 records where sizes need them)."""
    import numpy as np
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name], dtype="<f8"),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=_FIXED_TIME)
            info.external_attr = _MEMBER_MODE
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
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:
                raise ArrayFileError(f"result too large ({size} bytes; the limit is {max_bytes})")
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise ArrayFileError(f"no result file ({exc.strerror})") from None
    return parse_npz(data, max_bytes)


def parse_npz(data: bytes, max_bytes: int) -> dict[str, np.ndarray]:
    """The arrays of an npz held in memory; the checks of ``read_npz``."""
    if len(data) > max_bytes:
        raise ArrayFileError(f"result too large ({len(data)} bytes; the limit is {max_bytes})")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
        if sum(i.file_size for i in members) > max_bytes:
            raise ArrayFileError(f"result too large (the limit is {max_bytes} bytes)")
        arrays = _parse_canonical(data, members)
        if arrays is None:
            arrays = _parse_any(data)
        return arrays
    except ArrayFileError:
        raise
    except Exception as exc:  # a corrupt file from an untrusted writer: any parse error
        raise ArrayFileError(f"unreadable result file ({type(exc).__name__}: {exc})") from None


def _parse_canonical(data: bytes, members: list[zipfile.ZipInfo]) -> dict | None:
    """The arrays, when every member is a stored .npy with the canonical float64 header and
    an intact checksum; None when any is not (the general path then decides)."""
    import numpy as np
    arrays = {}
    for info in members:
        if (info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1
                or info.compress_size != info.file_size or not info.filename.endswith(".npy")):
            return None
        signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, info.header_offset)
        if signature != b"PK\x03\x04":
            return None
        start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
        member = data[start:start + info.file_size]
        if len(member) != info.file_size or zlib.crc32(member) != info.CRC:
            return None
        header = _NPY_HEADER.match(member)
        if header is None or header.end() != 10 + struct.unpack("<H", header["length"])[0]:
            return None
        text = header["shape"].decode()
        shape = tuple(int(n) for n in text.split(",") if n)
        if len(shape) > _MAX_DIMS:
            raise ArrayFileError(f"array {info.filename[:-4]!r} is float64 with {len(shape)} dims")
        count = 1
        for n in shape:
            count *= n
        if len(member) - header.end() != 8 * count:
            return None
        array = np.frombuffer(member, dtype="<f8", count=count, offset=header.end())
        arrays[info.filename[:-4]] = array.reshape(shape).astype(np.float64)  # a writable copy
    return arrays


def _parse_any(data: bytes) -> dict[str, np.ndarray]:
    import numpy as np
    arrays = {}
    with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
        for name in loaded.files:
            array = loaded[name]
            if array.dtype != np.float64 or array.ndim > _MAX_DIMS:
                raise ArrayFileError(f"array {name!r} is {array.dtype} with {array.ndim} dims")
            arrays[name] = np.array(array)
    return arrays
