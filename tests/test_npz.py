"""The npz reader: the fast path for archives as encode_npz writes them and the general path
for anything else give the same arrays and refuse the same things."""
import io

import numpy as np
import pytest

from autograder.npz import ArrayFileError, encode_npz, parse_npz, read_npz, write_npz

LIMIT = 1 << 20
ARRAYS = {"dW": np.arange(12.0).reshape(3, 4) / 7, "b": np.array([-0.5, 2.0]),
          "x4": np.ones((2, 1, 3, 2)), "empty": np.zeros((0, 3)), "one": np.array([3.25])}


def savez(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_round_trip_gives_writable_float64_copies(tmp_path):
    write_npz(tmp_path / "a.npz", ARRAYS)
    got = read_npz(tmp_path / "a.npz", LIMIT)
    assert sorted(got) == sorted(ARRAYS)
    for name, array in ARRAYS.items():
        assert got[name].dtype == np.float64 and got[name].shape == array.shape
        assert np.array_equal(got[name], array)
        assert got[name].flags.writeable and got[name].flags.c_contiguous


def test_other_writers_take_the_general_path_with_the_same_result():
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    compressed = io.BytesIO()
    np.savez_compressed(compressed, w=fortran)
    for data in (savez(w=fortran), compressed.getvalue()):
        got = parse_npz(data, LIMIT)
        assert list(got) == ["w"] and np.array_equal(got["w"], fortran)


@pytest.mark.parametrize("data, reason", [
    (savez(x=np.arange(3)), "int64"),
    (encode_npz({"x": np.ones((1, 1, 1, 1, 2))}), "5 dims"),
    (savez(x=np.ones((1, 1, 1, 1, 2))), "5 dims"),
    (b"not a zip file", "unreadable"),
    (savez(x=np.array(["a"])), "<U1"),
])
def test_refuses_what_is_not_plain_float64(data, reason):
    with pytest.raises(ArrayFileError, match=reason):
        parse_npz(data, LIMIT)


def test_a_damaged_member_is_not_read_as_floats():
    data = bytearray(encode_npz({"x": np.ones(4)}))
    data[data.index(b"\x00\x00\xf0?")] ^= 0xFF   # the first float's bytes, checksum unchanged
    with pytest.raises(ArrayFileError, match="unreadable"):
        parse_npz(bytes(data), LIMIT)


def test_size_limits(tmp_path):
    data = encode_npz({"x": np.ones(1000)})
    with pytest.raises(ArrayFileError, match="too large"):
        parse_npz(data, len(data) - 1)
    (tmp_path / "big.npz").write_bytes(data)
    with pytest.raises(ArrayFileError, match="too large"):
        read_npz(tmp_path / "big.npz", len(data) - 1)
    with pytest.raises(ArrayFileError, match="no result file"):
        read_npz(tmp_path / "missing.npz", LIMIT)


def test_same_arrays_same_bytes():
    assert encode_npz(ARRAYS) == encode_npz(dict(reversed(list(ARRAYS.items()))))


@pytest.mark.parametrize("arrays", [
    ARRAYS, {}, {"é": np.ones(2)}, {"scalar": np.float64(3.0)},
    {"transposed": np.arange(6.0).reshape(2, 3).T, "ints": np.arange(4)},
])
def test_the_direct_encoder_writes_what_zipfile_writes(arrays):
    from autograder.npz import _encode_npz_with_zipfile
    assert encode_npz(arrays) == _encode_npz_with_zipfile(arrays)
