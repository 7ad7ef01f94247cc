"""References are read once per process and handed out as copies; a file that changes on
disk is read again, and its checksums are checked again."""
import os

import numpy as np
import pytest

from autograder.manifest import Case, ManifestError, manifest_entry, preload_references
from autograder.npz import write_npz


def saved_case(folder, arrays) -> Case:
    write_npz(folder / "c.npz", arrays)
    entry = manifest_entry(Case("c", "f", "item", {}), arrays)
    return Case("c", "f", "item", {}, arrays=entry["arrays"], data_dir=folder)


def test_copies_of_one_read(tmp_path):
    case = saved_case(tmp_path, {"x": np.arange(3.0)})
    preload_references([case])
    first = case.reference()
    first["x"][0] = 99.0
    first["extra"] = np.zeros(1)
    assert list(case.reference()) == ["x"]
    assert np.array_equal(case.reference()["x"], np.arange(3.0))


def test_a_changed_file_is_read_and_checked_again(tmp_path):
    case = saved_case(tmp_path, {"x": np.arange(3.0)})
    assert np.array_equal(case.reference()["x"], np.arange(3.0))
    write_npz(tmp_path / "c.npz", {"x": np.arange(3.0) + 1})   # a new file (written, renamed)
    os.utime(tmp_path / "c.npz", ns=(1, 1))
    with pytest.raises(ManifestError, match="checksum"):
        case.reference()
    fixed = saved_case(tmp_path, {"x": np.arange(3.0) + 1})
    assert np.array_equal(fixed.reference()["x"], np.arange(3.0) + 1)
