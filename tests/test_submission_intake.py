"""Submission intake: every accepted shape, every refused archive, the preference order, the
content hash, and the static import scan."""
from __future__ import annotations

import io
import os
import random
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograder.policy import DEFAULT_ALLOWED_IMPORTS, DEFAULT_POLICY
from autograder.submission import (ArchiveLimits, LocatedSubmission, SubmissionError, is_allowed,
                                   scan_imports)
from support import prepare_hw1 as prepare

PACKAGE = {
    "mlp/__init__.py": "from .activations import Sigmoid\nfrom .mlp import MLP\n",
    "mlp/activations.py": "import numpy as np\n\nclass Sigmoid:\n    pass\n",
    "mlp/mlp.py": "import numpy as np\nfrom .activations import Sigmoid\n\nclass MLP:\n    pass\n",
}
MODULE = "import numpy as np\n\nclass Sigmoid:\n    pass\n"


def write_tree(folder: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return folder


def make_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, content in files.items():
            zf.writestr(rel, content)
    return path


def tar_member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = ""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def make_tar(path: Path, files: dict[str, str | bytes], mode: str = "w:gz", extra=()) -> Path:
    with tarfile.open(path, mode) as tf:
        for rel, content in files.items():
            tf.addfile(*tar_member(rel, content.encode() if isinstance(content, str) else content))
        for info, data in extra:
            tf.addfile(info, data)
    return path


def relative_files(located: LocatedSubmission) -> list[str]:
    return [f.relative_to(located.root).as_posix() for f in located.files]


def everything_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def intake_error(source: Path, scratch: Path, **limits) -> str:
    with pytest.raises(SubmissionError) as caught:
        prepare(source, scratch, ArchiveLimits(**limits)) if limits else prepare(source, scratch)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(source.name)
    return message


# ---------------------------------------------------------------- accepted shapes

def test_folder_with_mlp_package_copies_only_the_package(tmp_path):
    source = write_tree(tmp_path / "student", {
        **PACKAGE, "README.md": "notes", "train.py": "import matplotlib\n",
        "tools/__init__.py": "", "tools/plots.py": "import matplotlib.pyplot as plt\n",
        "mlp/__pycache__/mlp.cpython-311.pyc": b"\x00junk", "mlp/.DS_Store": b"\x00",
        "mlp/notes.txt": "not code"})
    located = prepare(source, tmp_path / "scratch")
    assert (located.kind, located.module) == ("package", "mlp")
    assert relative_files(located) == ["mlp/__init__.py", "mlp/activations.py", "mlp/mlp.py"]
    assert everything_under(located.root) == relative_files(located)
    assert (located.root / "mlp/mlp.py").read_text() == PACKAGE["mlp/mlp.py"]
    assert located.source == str(source)
    assert scan_imports(located) == []  # tools/ and train.py (matplotlib) were left out


@pytest.mark.parametrize("layout", ["hw1.py", "hw1/hw1.py", "wrapper/hw1/hw1.py"])
def test_folder_with_hw1_module(tmp_path, layout):
    source = write_tree(tmp_path / "student", {layout: MODULE, "data/readme.txt": "x"})
    located = prepare(source, tmp_path / "scratch")
    assert (located.kind, located.module) == ("module", "hw1")
    assert relative_files(located) == ["hw1.py"]
    assert (located.root / "hw1.py").read_text() == MODULE


@pytest.mark.parametrize("name", ["my solution (1).py", "types.py", "hw1.py"])
def test_single_py_file_becomes_hw1(tmp_path, name):
    source = write_tree(tmp_path, {name: MODULE, "other.py": "import torch\n"}) / name
    located = prepare(source, tmp_path / "scratch")
    assert (located.kind, located.module) == ("module", "hw1")
    assert everything_under(located.root) == ["hw1.py"]  # the neighbour other.py is not taken
    assert (located.root / "hw1.py").read_text() == MODULE


def test_single_differently_named_py_in_a_wrapped_folder(tmp_path):
    source = write_tree(tmp_path / "s", {"Jane Doe/submission/my_mlp.py": MODULE,
                                         "Jane Doe/submission/README.txt": "hi"})
    located = prepare(source, tmp_path / "scratch")
    assert (located.module, relative_files(located)) == ("hw1", ["hw1.py"])


def test_zip_with_wrapper_folder_and_macos_debris(tmp_path):
    files = {f"hw1-handin/{rel}": text for rel, text in PACKAGE.items()}
    files.update({"__MACOSX/hw1-handin/mlp/._mlp.py": b"\x00\x05\x16\x07junk",
                  "hw1-handin/.DS_Store": b"\x00\x00", "hw1-handin/mlp/._activations.py": b"\xff",
                  "hw1-handin/mlp/__pycache__/mlp.cpython-311.pyc": b"\x00",
                  "hw1-handin/mlp/__pycache__/fake.py": b"\xff\xfe"})
    located = prepare(make_zip(tmp_path / "submission.zip", files), tmp_path / "scratch")
    assert (located.kind, located.module) == ("package", "mlp")
    assert everything_under(located.root) == sorted(PACKAGE)


@pytest.mark.parametrize("name,mode", [("s.tar.gz", "w:gz"), ("s.tgz", "w:gz"), ("s.tar", "w"),
                                       ("s.tar.xz", "w:xz")])
def test_tar_archives(tmp_path, name, mode):
    source = make_tar(tmp_path / name, {"hw1/hw1.py": MODULE, "hw1/notes.md": "x"}, mode)
    located = prepare(source, tmp_path / "scratch")
    assert (located.module, everything_under(located.root)) == ("hw1", ["hw1.py"])


def test_zip_of_the_package_contents_without_its_folder(tmp_path):
    files = {rel.removeprefix("mlp/"): text for rel, text in PACKAGE.items()}
    located = prepare(make_zip(tmp_path / "s.zip", files), tmp_path / "scratch")
    assert (located.kind, located.module) == ("package", "mlp")
    assert relative_files(located) == sorted(PACKAGE)


def test_imported_siblings_are_copied_and_others_are_not(tmp_path):
    source = write_tree(tmp_path / "s", {
        "hw1/hw1.py": "import helpers\nfrom utils.shapes import check\n",
        "hw1/helpers.py": "import numeric\n", "hw1/numeric.py": "",
        "hw1/utils/__init__.py": "", "hw1/utils/shapes.py": "def check(): pass\n",
        "hw1/runme.py": "import matplotlib\n", "hw1/plots/draw.py": "import matplotlib\n"})
    located = prepare(source, tmp_path / "scratch")
    assert relative_files(located) == ["helpers.py", "hw1.py", "numeric.py",
                                       "utils/__init__.py", "utils/shapes.py"]
    assert scan_imports(located) == []


def test_package_importing_a_top_level_helper_gets_it(tmp_path):
    source = write_tree(tmp_path / "s", {**PACKAGE, "mlp/mlp.py": "import helper\n",
                                         "helper.py": "", "unrelated.py": ""})
    located = prepare(source, tmp_path / "scratch")
    assert relative_files(located) == ["helper.py", *sorted(PACKAGE)]


def test_syntax_error_is_not_an_intake_error(tmp_path):
    source = write_tree(tmp_path / "s", {"hw1.py": "def broken(:\n    pass\n"})
    located = prepare(source, tmp_path / "scratch")
    assert located.module == "hw1" and scan_imports(located) == []


def test_coding_declaration_is_honoured(tmp_path):
    source = write_tree(tmp_path / "s", {"hw1.py": "# -*- coding: latin-1 -*-\n# caf\xe9\n"
                                         .encode("latin-1")})
    assert prepare(source, tmp_path / "scratch").module == "hw1"


def test_scratch_can_be_reused_and_failures_leave_nothing(tmp_path):
    scratch = tmp_path / "scratch"
    first = prepare(write_tree(tmp_path / "a", {"hw1.py": "A = 1\n"}), scratch)
    second = prepare(write_tree(tmp_path / "b", {"hw1.py": "B = 2\n"}), scratch)
    assert first.root != second.root
    assert (first.root / "hw1.py").read_text() == "A = 1\n"
    before = sorted(scratch.iterdir())
    intake_error(make_zip(tmp_path / "bad.zip", {"../evil.py": "x"}), scratch)
    assert sorted(scratch.iterdir()) == before


# ---------------------------------------------------------------- preference and ambiguity

@pytest.mark.parametrize("files,kind,origin", [
    ({**PACKAGE, "hw1.py": "HW1 = 1", "other.py": "O = 1"}, "package", "mlp/mlp.py"),
    ({"deep/er/mlp/__init__.py": "P = 1", "hw1.py": "HW1 = 1"}, "package", "mlp/__init__.py"),
    ({"hw1.py": "TOP = 1", "hw1/hw1.py": "NESTED = 1", "other.py": "O = 1"}, "module", "TOP = 1"),
    ({"hw1/hw1.py": "NESTED = 1", "other.py": "O = 1"}, "module", "NESTED = 1"),
])
def test_preference_order(tmp_path, files, kind, origin):
    located = prepare(write_tree(tmp_path / "s", files), tmp_path / "scratch")
    assert located.kind == kind
    if kind == "module":
        assert (located.root / "hw1.py").read_text() == origin
    else:
        assert (located.root / origin).is_file()


def test_several_unrelated_files_are_ambiguous_and_named(tmp_path):
    source = write_tree(tmp_path / "s", {"solution.py": "", "scratch/try2.py": "", "notes.txt": ""})
    message = intake_error(source, tmp_path / "scratch")
    assert "'scratch/try2.py'" in message and "'solution.py'" in message
    assert "hw1.py" in message


def test_two_packages_at_the_same_depth_are_ambiguous(tmp_path):
    source = write_tree(tmp_path / "s", {"v1/mlp/__init__.py": "", "v2/mlp/__init__.py": ""})
    message = intake_error(source, tmp_path / "scratch")
    assert "'v1/mlp'" in message and "'v2/mlp'" in message


# ---------------------------------------------------------------- refused submissions

@pytest.mark.parametrize("member", ["../evil.py", "/tmp/evil.py", "..\\evil.py", "a/../../evil.py",
                                    "C:/evil.py"])
def test_zip_slip_is_refused(tmp_path, member):
    scratch = tmp_path / "deep" / "scratch"
    message = intake_error(make_zip(tmp_path / "s.zip", {"hw1.py": MODULE, member: "x"}), scratch)
    assert "unsafe path" in message
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "deep" / "evil.py").exists()


@pytest.mark.parametrize("member", ["../evil.py", "/tmp/evil.py"])
def test_tar_slip_is_refused(tmp_path, member):
    source = make_tar(tmp_path / "s.tar.gz", {"hw1.py": MODULE, member: "x"})
    assert "unsafe path" in intake_error(source, tmp_path / "scratch")


def test_zip_symlink_member_is_refused(tmp_path):
    source = tmp_path / "s.zip"
    with zipfile.ZipFile(source, "w") as zf:
        link = zipfile.ZipInfo("hw1.py")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    assert "link" in intake_error(source, tmp_path / "scratch")


@pytest.mark.parametrize("kind,word", [(tarfile.SYMTYPE, "link"), (tarfile.LNKTYPE, "link"),
                                       (tarfile.CHRTYPE, "device"), (tarfile.FIFOTYPE, "device")])
def test_tar_links_and_devices_are_refused(tmp_path, kind, word):
    source = make_tar(tmp_path / "s.tar.gz", {"hw1.py": MODULE},
                      extra=[tar_member("helpers.py", kind=kind, link="/etc/shadow")])
    assert word in intake_error(source, tmp_path / "scratch")


def test_zip_bomb_member_is_refused(tmp_path):
    source = make_zip(tmp_path / "s.zip", {"hw1.py": MODULE, "data.bin": bytes(4 * 1024 * 1024)})
    assert "zip bomb" in intake_error(source, tmp_path / "scratch")


def test_default_limits_match_the_intake_contract():
    limits = ArchiveLimits()
    assert (limits.max_members, limits.max_total_bytes) == (2000, 50 * 1024 * 1024)


@pytest.mark.parametrize("maker", ["zip", "tar"])
def test_too_much_uncompressed_data_is_refused(tmp_path, maker):
    noise = random.Random(1).randbytes(300_000)  # incompressible: the ratio check stays quiet
    files = {"hw1.py": MODULE, "a.bin": noise, "b.bin": noise}
    source = (make_zip(tmp_path / "s.zip", files) if maker == "zip"
              else make_tar(tmp_path / "s.tar.gz", files))
    assert "more than" in intake_error(source, tmp_path / "scratch", max_total_bytes=500_000)
    assert prepare(source, tmp_path / "ok", ArchiveLimits(max_total_bytes=700_000)).module == "hw1"


def test_tar_declaring_a_huge_member_is_refused_without_unpacking_it(tmp_path):
    source = make_tar(tmp_path / "s.tar.gz", {"hw1.py": MODULE, "zeros.bin": bytes(51 * 1024 * 1024)})
    assert source.stat().st_size < 1024 * 1024
    assert "more than 50 MiB" in intake_error(source, tmp_path / "scratch")


@pytest.mark.parametrize("maker", ["zip", "tar"])
def test_too_many_members_are_refused(tmp_path, maker):
    files = {"hw1.py": MODULE, **{f"junk/{i}.txt": "" for i in range(2000)}}
    source = (make_zip(tmp_path / "s.zip", files) if maker == "zip"
              else make_tar(tmp_path / "s.tar.gz", files))
    assert "2000" in intake_error(source, tmp_path / "scratch")


def test_password_protected_zip_is_refused(tmp_path):
    data = bytearray(make_zip(tmp_path / "plain.zip", {"hw1.py": MODULE}).read_bytes())
    # zipfile cannot encrypt: set the "encrypted" bit in the local and central headers by hand.
    data[data.index(b"PK\x03\x04") + 6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    source = tmp_path / "s.zip"
    source.write_bytes(bytes(data))
    assert "password" in intake_error(source, tmp_path / "scratch")


@pytest.mark.parametrize("name", ["s.zip", "s.tar.gz", "s.tgz", "s.tar"])
def test_random_junk_named_as_an_archive(tmp_path, name):
    source = tmp_path / name
    source.write_bytes(random.Random(name).randbytes(5000))
    intake_error(source, tmp_path / "scratch")


@pytest.mark.parametrize("maker", ["zip", "tar"])
def test_damaged_archives_only_ever_raise_submission_error(tmp_path, maker):
    files = {**PACKAGE, "hw1.py": MODULE}
    good = (make_zip(tmp_path / "good.zip", files) if maker == "zip"
            else make_tar(tmp_path / "good.tar.gz", files)).read_bytes()
    rng = random.Random(7)
    outcomes = set()
    for attempt in range(150):
        data = bytearray(good)
        if attempt % 3 == 0:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        source = tmp_path / f"m{attempt}{'.zip' if maker == 'zip' else '.tar.gz'}"
        source.write_bytes(bytes(data))
        try:
            prepare(source, tmp_path / "scratch")
            outcomes.add("accepted")
        except SubmissionError as exc:
            assert "\n" not in str(exc)
            outcomes.add("refused")
    assert "refused" in outcomes


@pytest.mark.parametrize("files", [{}, {"README.md": "hi", "data/x.csv": "1"},
                                   {"__MACOSX/._hw1.py": "x", ".hidden.py": "x"}])
def test_nothing_to_grade(tmp_path, files):
    folder = write_tree(tmp_path / "s", files)
    folder.mkdir(exist_ok=True)
    assert "no mlp/ package or .py file found" in intake_error(folder, tmp_path / "scratch")
    if files:
        assert "no mlp/ package" in intake_error(make_zip(tmp_path / "s.zip", files),
                                                tmp_path / "scratch")


@pytest.mark.parametrize("maker", ["zip", "tar"])
def test_empty_archive(tmp_path, maker):
    source = (make_zip(tmp_path / "s.zip", {}) if maker == "zip"
              else make_tar(tmp_path / "s.tar.gz", {}))
    assert "empty" in intake_error(source, tmp_path / "scratch")


def test_missing_path_and_special_files(tmp_path):
    assert "cannot read" in intake_error(tmp_path / "absent.zip", tmp_path / "scratch")
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    assert "not a regular file" in intake_error(fifo, tmp_path / "scratch")
    folder = tmp_path / "s"
    folder.mkdir()
    os.mkfifo(folder / "hw1.py")
    assert "not a regular file" in intake_error(folder, tmp_path / "scratch")


def test_folders_with_too_many_files_are_refused(tmp_path):
    folder = write_tree(tmp_path / "s", {"hw1.py": MODULE, **{f"data/{i}.csv": "" for i in range(30)}})
    assert "more than 20 files" in intake_error(folder, tmp_path / "scratch", max_folder_entries=20)
    folder = write_tree(tmp_path / "t", {"hw1.py": MODULE, **{f"old/v{i}.py": "" for i in range(6)}})
    assert "more than 5 .py files" in intake_error(folder, tmp_path / "scratch", max_members=5)
    assert prepare(folder, tmp_path / "scratch").module == "hw1"


def test_linked_code_in_a_folder_is_refused(tmp_path):
    secret = write_tree(tmp_path / "grader", {"hidden.py": "SECRET = 1\n"}) / "hidden.py"
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "hw1.py").symlink_to(secret)
    assert "link" in intake_error(folder, tmp_path / "scratch")
    linked_package = tmp_path / "t"
    linked_package.mkdir()
    (linked_package / "mlp").symlink_to(secret.parent, target_is_directory=True)
    assert "link" in intake_error(linked_package, tmp_path / "scratch")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file regardless of permissions")
def test_unreadable_folder(tmp_path):
    folder = write_tree(tmp_path / "s", {"mlp/__init__.py": ""})
    (folder / "mlp").chmod(0)
    try:
        assert "cannot read" in intake_error(folder, tmp_path / "scratch")
    finally:
        (folder / "mlp").chmod(0o755)


@pytest.mark.parametrize("content", [b"x = '\xff\xfe'\n", random.Random(3).randbytes(3000)])
def test_non_utf8_source_is_refused(tmp_path, content):
    folder = write_tree(tmp_path / "s", {"hw1.py": content})
    assert "not UTF-8" in intake_error(folder, tmp_path / "scratch")


@pytest.mark.parametrize("name,hint", [("s.rar", "'.rar' files"), ("hw1.ipynb", "export")])
def test_unsupported_file_types(tmp_path, name, hint):
    source = tmp_path / name
    source.write_bytes(b"data")
    assert hint in intake_error(source, tmp_path / "scratch")


def test_hostile_member_names_keep_messages_on_one_line(tmp_path):
    source = make_zip(tmp_path / "s.zip", {"a\nb.py": "", "c\r.py": ""})
    assert "found 2 .py files" in intake_error(source, tmp_path / "scratch")


# ---------------------------------------------------------------- content hash

def test_hash_is_stable_across_packaging_and_changes_with_content(tmp_path):
    folder = write_tree(tmp_path / "dir", {**PACKAGE, "README.md": "one"})
    zipped = make_zip(tmp_path / "s.zip", {**{f"wrap/{k}": v for k, v in PACKAGE.items()},
                                          "__MACOSX/wrap/._x": "junk", "wrap/README.md": "two"})
    tarred = make_tar(tmp_path / "s.tgz", PACKAGE)
    hashes = {prepare(s, tmp_path / "scratch").sha256 for s in (folder, zipped, tarred)}
    assert len(hashes) == 1

    one_byte = PACKAGE["mlp/mlp.py"].replace("class MLP", "class MLQ")
    edited = write_tree(tmp_path / "edited", {**PACKAGE, "mlp/mlp.py": one_byte})
    longer = write_tree(tmp_path / "longer", {**PACKAGE, "mlp/mlp.py": PACKAGE["mlp/mlp.py"] + " "})
    moved = {**PACKAGE, "mlp/mlp2.py": PACKAGE["mlp/mlp.py"]}
    del moved["mlp/mlp.py"]
    renamed = write_tree(tmp_path / "renamed", moved)
    for other in (edited, longer, renamed):
        assert prepare(other, tmp_path / "scratch").sha256 not in hashes


def test_single_file_and_folder_with_hw1_hash_alike(tmp_path):
    loose = write_tree(tmp_path, {"mine.py": MODULE}) / "mine.py"
    folder = write_tree(tmp_path / "dir", {"hw1/hw1.py": MODULE})
    assert prepare(loose, tmp_path / "a").sha256 == prepare(folder, tmp_path / "b").sha256


# ---------------------------------------------------------------- import scan

def scan(tmp_path: Path, files: dict[str, str]) -> list[str]:
    return scan_imports(prepare(write_tree(tmp_path / "s", files), tmp_path / "scratch"))


def test_scan_finds_aliases_from_imports_and_dynamic_literals(tmp_path):
    code = "\n".join([
        "import numpy as torch",            # an alias of an allowed module is fine
        "import os.path, collections.abc",
        "import torch.nn as np",
        "from sklearn.neural_network import MLPClassifier",
        "import importlib as il",
        "il.import_module('jax.numpy')",
        "__import__('scipy')",
        "exec('import pandas')",
        "from importlib import import_module",
        "import_module('.sibling', 'pkg')",  # relative: allowed
    ])
    assert scan(tmp_path, {"hw1.py": code}) == ["jax", "pandas", "scipy", "sklearn", "torch"]


def test_scan_sees_conditional_and_nested_imports(tmp_path):
    code = ("def fit():\n    if True:\n        try:\n            import tensorflow as tf\n"
            "        except ImportError:\n            tf = None\n    class A:\n"
            "        def f(self):\n            from cupy import asarray\n")
    assert scan(tmp_path, {"hw1.py": code}) == ["cupy", "tensorflow"]


def test_computed_names_are_left_to_the_runtime_blocker(tmp_path):
    assert scan(tmp_path, {"hw1.py": "m = __import__('to' + 'rch')\n"}) == []
    # The sandbox's runtime import blocker asks the same question and gets "no".
    assert not is_allowed("torch", DEFAULT_POLICY.allowed_for("hw1.py"), frozenset({"hw1"}))


def test_relative_and_sibling_imports_are_allowed(tmp_path):
    files = {**PACKAGE,
             "mlp/loss.py": "from . import activations\nfrom .. import anything\n",
             "mlp/training.py": "import activations\nfrom mlp.mlp import MLP\n",
             "mlp/extra.py": "import not_shipped\n"}
    assert scan(tmp_path, files) == ["not_shipped"]


def test_a_file_that_does_not_parse_does_not_hide_the_others(tmp_path):
    files = {**PACKAGE, "mlp/broken.py": "import torch\ndef (:\n", "mlp/ok.py": "import keras\n"}
    assert scan(tmp_path, files) == ["keras"]


def test_is_allowed_is_a_plain_name_check():
    assert DEFAULT_ALLOWED_IMPORTS == ("numpy",)
    numpy_only = frozenset(DEFAULT_ALLOWED_IMPORTS)
    for name in ("numpy", "numpy.linalg", "os", "sys", "math", "ctypes", "__future__"):
        assert is_allowed(name, numpy_only)
    for name in ("torch", "numpyx", "np", "sklearn", "", "matplotlib"):
        assert not is_allowed(name, numpy_only)
    assert is_allowed("torch", {"numpy", "torch"}) and not is_allowed("numpy", ())
    assert is_allowed("helpers", numpy_only, {"helpers"})
    assert not is_allowed("helpers", numpy_only, ())
