"""Images and notebook texts in the feedback: validated on the trusted side (hostile arrays are
left out with a reason), encoded by our own PNG writer, bounded, and shown by every view
(JSON round trip, Gradescope html, PrairieLearn images, the HTML report, the terminal's file
paths); the heat map of a failed matrix; notebook exports escape everything."""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest

from autograder.feedback.arrays import (MAX_IMAGES_PER_CASE, MAX_PROBLEMS, ExportCell,
                                        split_feedback, without_feedback)
from autograder.feedback.export import notebook_html
from autograder.feedback.heatmap import heat_map
from autograder.feedback.png import encode_png, png_size
from autograder.results import (CaseResult, GradeResult, ItemResult, ResultFormatError,
                                to_gradescope, to_html, to_json, to_prairielearn, to_table,
                                write_feedback)
from autograder.results.model import Image
from autograder.results.prairielearn import MAX_BYTES
from test_notebooks import course, grade, items, submit  # noqa: F401  (the session fixture)
from notebooks import SOLUTION_CELLS


def decode(png: bytes) -> np.ndarray:
    import matplotlib.image
    return matplotlib.image.imread(io.BytesIO(png), format="png")


def test_our_png_writer_round_trips_pixels():
    rgb = np.random.default_rng(0).random((7, 11, 3))
    png = encode_png(rgb)
    assert png_size(png) == (11, 7)
    back = decode(png)[..., :3]
    assert back.shape == (7, 11, 3)
    assert np.abs(back - np.rint(rgb * 255) / 255).max() < 1e-6


@pytest.mark.parametrize("value, reason", [
    (np.zeros((4, 4)), "not an (h, w, 3) image"),
    (np.zeros((4, 4, 4)), "not an (h, w, 3) image"),
    (np.full((4, 4, 3), np.nan), "NaN or infinite"),
    (np.zeros((481, 10, 3)), "at most 480 a side"),
    (np.full((4, 4, 3), 2.0), "outside [0, 1]"),
])
def test_hostile_images_are_left_out_with_a_reason(value, reason):
    found = split_feedback({"figure.bad": value, "figure.good": np.zeros((2, 3, 3)),
                            "loss": np.ones(2)})
    assert [image.label for image in found.images] == ["good"]
    assert list(found.arrays) == ["loss"]
    assert len(found.problems) == 1 and reason in found.problems[0]


def test_bad_labels_texts_and_counts_are_refused():
    byte_text = lambda text: np.frombuffer(text.encode(), np.uint8).astype(float)  # noqa: E731
    arrays = {"figure.../etc": np.zeros((2, 2, 3)),
              "export.N.ipynb.1.source": byte_text("print('ok')"),
              "export.N.ipynb.2.source": np.array([300.0]),
              "export.N.ipynb.3.source": np.array([65.5]),
              "export.N.ipynb.4.source": np.zeros(200_001),
              "export.N.ipynb.5.script": byte_text("x"),
              "export.../N.ipynb.1.source": byte_text("x"),
              **{f"figure.f{i}": np.zeros((2, 2, 3)) for i in range(MAX_IMAGES_PER_CASE + 2)}}
    found = split_feedback(arrays)
    assert len(found.images) == MAX_IMAGES_PER_CASE
    assert found.exports == {"N.ipynb": [ExportCell(source="print('ok')")]}
    assert len(found.problems) == MAX_PROBLEMS            # reasons are bounded too
    text = "\n".join(found.problems)
    assert "not bytes" in text and "at most 100000" in text and "not export.<notebook>" in text
    assert "label must be" in split_feedback({"figure.../etc": np.zeros((2, 2, 3))}).problems[0]
    assert not found.arrays and without_feedback(arrays) == {}


def test_the_heat_map_shows_where_a_matrix_differs():
    expected = np.zeros((4, 6))
    got = expected.copy()
    got[1, 2] = 0.5
    image = heat_map("out", expected, got)
    assert "for out (4x6)" in image.label and "0.5 at row 1, column 2" in image.label
    width, height = png_size(image.png)
    assert height == 4 * (width // 6) and max(width, height) <= 480
    assert heat_map("out", expected, expected) is None
    assert heat_map("v", np.zeros(5), np.ones(5)) is None       # 1-D: numbers say it
    big = heat_map("big", np.zeros((2000, 3)), np.ones((2000, 3)))
    assert max(png_size(big.png)) <= 480


def test_exports_escape_every_text():
    page = notebook_html("A.ipynb", [
        ExportCell("In [1]: ok", "<script>alert(1)</script>", "</pre><script>x</script>"),
        ExportCell("Markdown <img src=x onerror=alert(1)>", "<b>hi</b>", "")],
        [Image("A.cell1.1\"><script>", encode_png(np.zeros((2, 2, 3)))),
         Image("A.cell1.1", encode_png(np.zeros((2, 2, 3))))])
    assert "<script" not in page and "<b>" not in page and "onerror=alert" not in page.replace(
        "onerror=alert(1)&gt;", "")
    assert page.count("<img ") == 1          # only the figure labelled for cell 1


def result_with_images(count: int = 2, size: int = 40, hidden_image: bool = True) -> GradeResult:
    noise = np.random.default_rng(1)
    cases = [CaseResult(f"case_{i}", False, False, "differs",
                        images=[Image(f"<label {i}>", encode_png(noise.random((size, size, 3))))])
             for i in range(count)]
    if hidden_image:
        cases.append(CaseResult("secret", False, True, "hidden",
                                images=[Image("secret", encode_png(np.zeros((2, 2, 3))))]))
    item = ItemResult("item", "Item", 0.0, 10.0, False, cases)
    return GradeResult(0.0, 10.0, [item], exports={"N.ipynb": "<!DOCTYPE html><p>x</p>"})


def test_images_round_trip_through_the_json_view():
    result = result_with_images()
    back = GradeResult.from_dict(json.loads(json.dumps(to_json(result))))
    assert [c.images for c in back.items[0].cases] == [c.images for c in result.items[0].cases]
    assert back.exports == result.exports
    data = to_json(result)
    data["items"][0]["cases"][0]["images"][0]["png_base64"] = base64.b64encode(b"GIF89a").decode()
    with pytest.raises(ResultFormatError, match="not a PNG"):
        GradeResult.from_dict(data)


def test_gradescope_shows_visible_images_as_html():
    test = to_gradescope(result_with_images())["tests"][0]
    assert test["output_format"] == "html"
    assert test["output"].count("data:image/png;base64,") == 2     # not the hidden case's
    assert "&lt;label 0&gt;" in test["output"] and "<label" not in test["output"]
    plain = to_gradescope(result_with_images(0, hidden_image=False))["tests"][0]
    assert "output_format" not in plain


def test_prairielearn_images_stay_under_its_size_cap():
    data = to_prairielearn(result_with_images(count=16, size=300))
    assert len(json.dumps(data, indent=2).encode()) <= MAX_BYTES
    assert 0 < len(data["images"]) < 16
    assert all(entry["url"].startswith("data:image/png;base64,") for entry in data["images"])
    assert all(not entry["label"].startswith("secret") for entry in data["images"])


def test_the_html_report_and_the_terminal_list_the_image_files(tmp_path):
    result = result_with_images()
    paths = write_feedback(tmp_path / "fb", result)
    assert sorted(paths) == ["case_0-1.png", "case_1-1.png"]
    for path in paths.values():
        assert Path(path).read_bytes().startswith(b"\x89PNG")
    report = (tmp_path / "fb" / "feedback.html").read_text()
    assert 'src="images/case_0-1.png"' in report and "&lt;label 0&gt;" in report
    assert 'href="notebooks/N.html"' in report and (tmp_path / "fb/notebooks/N.html").is_file()
    table = to_table(result, image_paths=paths)
    assert f"image: {paths['case_0-1.png']} (case_0)" in table
    assert "2 image(s)" in to_table(result)
    assert "<img" in to_html(result)


def test_a_failed_matrix_comparison_gets_a_heat_map_end_to_end(tmp_path, course):  # noqa: F811
    module = ("import numpy as np\n\ndef twice(x):\n    y = 2 * np.asarray(x, dtype=float)\n"
              "    y[1, 2] += 1.0\n    return y\n")
    result = grade(course, submit(tmp_path / "s", SOLUTION_CELLS, module=module))
    case = items(result)["twice"].cases[0]
    assert not case.passed and len(case.images) == 1
    assert "heat map of |expected - got| for out (4x6)" in case.images[0].label
    assert "at row 1, column 2" in case.images[0].label
