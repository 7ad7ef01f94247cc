"""Worker side: run a student's Jupyter notebook inside the case process, for the case families.

``execute(api_or_code_dir, name)`` runs the notebook's code cells in order in one fresh
namespace (``__name__ == "__main__"``) in the case process, which is already confined (the same
limits and import blocker as any student code), and returns an ``ExecutedNotebook``. It is
memoised per process by name: the cases of one rubric item run one after another in one
process (the worker's groups), so a notebook runs once per item, not once per case.

- Cells are numbered as Jupyter shows them after "Restart & Run All": code cells only, from 1
  (``In [k]``). Each is compiled with the file name ``<code>/<name>, cell <k>``, so tracebacks
  and the import blocker's message name the cell.
- IPython magics and shell lines (``%...``, ``%%...`` cells, ``!...``) are skipped and listed,
  never fatal; ``display(...)`` prints; matplotlib is forced to Agg and ``plt.show()`` does
  nothing.
- Each cell has ``cell_seconds`` (a timer that raises inside the cell), the whole notebook
  ``notebook_seconds`` (assignment.toml ``[policy.limits]``); a cell that overstays is the
  notebook's failure at that cell, not a killed process.
- stdout/stderr are captured per cell (bounded), and every open figure is rendered after each
  cell to an (h, w, 3) array in [0, 1], at most ``MAX_FIGURE_SIDE`` pixels a side, then closed.
- Execution stops at the first failing cell: ``failure`` holds its number, line and error; the
  namespace so far stays available, so items that need only earlier cells keep their points.

Images and texts cross to the trusted side only as float arrays under reserved prefixes
(``figure_arrays``, ``export_arrays``); autograder/feedback/ validates them there.
"""
from __future__ import annotations

import builtins
import linecache
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

from autograder.notebook_format import Cell, label_of, read_cells, strip_magics
from autograder.scenarios.toolkit import ContractError

FIGURE_PREFIX = "figure."
EXPORT_PREFIX = "export."
MAX_FIGURE_SIDE = 480              # pixels, width and height
MAX_FIGURES = 24                   # kept per notebook; later ones are closed unrendered
MAX_FIGURES_PER_CASE = 6           # sent back by one case (the trusted side keeps no more)
MAX_OUTPUT_CHARS = 10_000          # captured stdout+stderr per cell
MAX_SOURCE_CHARS = 20_000          # per cell, in an export
MAX_EXPORT_CHARS = 1_000_000       # all texts of one notebook's export
MAX_ERROR_CHARS = 500

_settings = {"code_dir": None, "cell_seconds": 60.0, "notebook_seconds": 300.0}
_executed: dict[tuple[str, str], "ExecutedNotebook"] = {}


class CellTimeout(BaseException):
    """Raised inside a cell by its timer; a BaseException, so ``except Exception`` in the
    student's cell does not swallow it."""


def configure(code_dir: str | None = None, cell_seconds: float | None = None,
              notebook_seconds: float | None = None) -> None:
    """Set by the worker once, from the job: where the submission is, and the limits."""
    for key, value in (("code_dir", code_dir), ("cell_seconds", cell_seconds),
                       ("notebook_seconds", notebook_seconds)):
        if value is not None:
            _settings[key] = value


@dataclass(frozen=True)
class Failure:
    cell: int                   # the code cell's number; 0: the notebook itself
    line: int                   # line in the cell (0: unknown)
    error: str                  # one line

    def describe(self, notebook: str) -> str:
        if self.cell == 0:
            return f"{notebook}: {self.error}"
        where = f", line {self.line}" if self.line else ""
        return f"{notebook} failed at cell {self.cell}{where}: {self.error}"


@dataclass
class ExecutedNotebook:
    name: str
    namespace: dict
    cells: list[Cell]
    failure: Failure | None = None
    figures_dropped: int = 0

    @property
    def skipped(self) -> list[str]:
        """Every magic or shell line that was not run, in order."""
        return [line for cell in self.cells for line in cell.skipped]

    def raise_failure(self) -> None:
        """ContractError naming the cell, the line and the error, if the notebook failed."""
        if self.failure is not None:
            raise ContractError(self.failure.describe(self.name))

    def require(self, *names: str) -> list:
        """The values of ``names`` in the namespace; when one is missing, a ContractError that
        says why (the notebook failed before defining it, or never does)."""
        missing = [n for n in names if n not in self.namespace]
        if missing:
            if self.failure is not None:
                raise ContractError(f"{', '.join(missing)} not defined: "
                                    f"{self.failure.describe(self.name)}")
            raise ContractError(f"{self.name} does not define {', '.join(missing)}")
        return [self.namespace[n] for n in names]


def execute(api_or_code_dir, name: str) -> ExecutedNotebook:
    """The notebook ``name`` of the submission, executed once per process (memoised by name).
    ``api_or_code_dir``: the case's SubmissionAPI (the worker's configured code folder is used)
    or a folder holding the notebook. Never raises for anything in the notebook."""
    if isinstance(api_or_code_dir, (str, os.PathLike)):
        code_dir = os.fspath(api_or_code_dir)
    else:
        code_dir = _settings["code_dir"] or os.getcwd()
    key = (code_dir, name)
    if key not in _executed:
        _executed[key] = _run(code_dir, name)
    return _executed[key]


def forget() -> None:
    """Drop every memoised run (for tests)."""
    _executed.clear()


# ---------------------------------------------------------------------------- execution

def _run(code_dir: str, name: str) -> ExecutedNotebook:
    path = os.path.join(code_dir, name)
    if not os.path.isfile(path):
        return ExecutedNotebook(name, {}, [], Failure(
            0, 0, f"not in your submission (missing-deliverable:{name})"))
    try:
        cells = read_cells(path)
    except (ValueError, OSError, MemoryError) as exc:
        return ExecutedNotebook(name, {}, [], Failure(0, 0, f"not a valid notebook: {exc}"))
    namespace = {"__name__": "__main__", "__builtins__": builtins, "display": _display}
    executed = ExecutedNotebook(name, namespace, cells)
    plt = _pyplot()
    deadline = time.monotonic() + float(_settings["notebook_seconds"])
    for cell in cells:
        if cell.kind != "code":
            continue
        code_text, cell.skipped = strip_magics(cell.source)
        filename = os.path.join(code_dir, f"{name}, cell {cell.number}")
        linecache.cache[filename] = (len(code_text), None, code_text.splitlines(True), filename)
        left = deadline - time.monotonic()
        if left <= 0:
            cell.status = "timeout"
            executed.failure = Failure(cell.number, 0, f"the notebook used up its time limit "
                                       f"({_settings['notebook_seconds']:g} s) before this cell")
            break
        seconds = min(float(_settings["cell_seconds"]), left)
        failure = _run_cell(cell, code_text, filename, namespace, seconds)
        _keep_figures(plt, cell, executed)
        if failure is not None:
            executed.failure = failure
            break
    return executed


def _run_cell(cell: Cell, code_text: str, filename: str, namespace: dict,
              seconds: float) -> Failure | None:
    try:
        code = compile(code_text, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        cell.status = "error"
        line = getattr(exc, "lineno", 0) or 0
        return Failure(cell.number, line, f"SyntaxError: {getattr(exc, 'msg', exc)}")
    output = _BoundedText(MAX_OUTPUT_CHARS)
    saved = sys.stdout, sys.stderr
    previous = signal.signal(signal.SIGALRM, _alarm)
    started = time.monotonic()
    failure = None
    try:
        sys.stdout = sys.stderr = output
        # Fires again every second, should the cell swallow the first one (a bare except).
        signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
        try:
            exec(code, namespace)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        cell.status = "ok"
    except CellTimeout:
        cell.status = "timeout"
        failure = Failure(cell.number, _line_in(sys.exc_info()[2], filename),
                          f"took longer than the cell time limit ({seconds:g} s)")
    except BaseException as exc:  # noqa: BLE001  (SystemExit, KeyboardInterrupt too)
        cell.status = "error"
        failure = Failure(cell.number, _line_in(exc.__traceback__, filename), _one_line(exc))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.stdout, sys.stderr = saved
        cell.seconds = round(time.monotonic() - started, 4)
        cell.output = output.text()
    return failure


def _alarm(signum, frame):
    raise CellTimeout()


def _line_in(tb, filename: str) -> int:
    """The line of the innermost frame of the cell itself in a traceback (0: none)."""
    line = 0
    for frame in traceback.extract_tb(tb):
        if frame.filename == filename:
            line = frame.lineno or 0
    return line


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        text = f"the cell called sys.exit({exc.code!r})"
    elif isinstance(exc, RecursionError):
        text = "RecursionError: maximum recursion depth exceeded"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 3] + "..."


class _BoundedText:
    """A text stream that keeps its first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int):
        self.limit, self.parts, self.size, self.dropped = limit, [], 0, 0

    def write(self, text) -> int:
        text = str(text)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def text(self) -> str:
        more = f"\n[... {self.dropped} more characters not kept]" if self.dropped else ""
        return "".join(self.parts) + more


def _display(*objects, **_options) -> None:
    """Jupyter's display(): prints each object's repr (a figure is captured anyway)."""
    for obj in objects:
        if type(obj).__module__.startswith("matplotlib"):
            continue
        print(repr(obj))


# ------------------------------------------------------------------------------ figures

def _pyplot():
    """matplotlib.pyplot forced to Agg with a harmless show(), or None when the policy does not
    allow matplotlib (then there are no figures to capture)."""
    try:
        import matplotlib
        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001  (not installed or not allowed)
        return None
    plt.show = lambda *args, **kwargs: None
    return plt


def _keep_figures(plt, cell: Cell, executed: ExecutedNotebook) -> None:
    """Render every open figure to an array (while MAX_FIGURES allows), then close it."""
    if plt is None:
        return
    try:
        numbers = list(plt.get_fignums())
    except Exception:  # noqa: BLE001
        return
    for number in numbers:
        try:
            figure = plt.figure(number)
            if sum(len(c.figures) for c in executed.cells) < MAX_FIGURES:
                cell.figures.append(render(figure))
            else:
                executed.figures_dropped += 1
        except Exception:  # noqa: BLE001  (a figure that cannot be drawn is left out)
            executed.figures_dropped += 1
        finally:
            try:
                plt.close(number)
            except Exception:  # noqa: BLE001
                pass


def render(figure) -> np.ndarray:
    """An (h, w, 3) float array in [0, 1] of a matplotlib figure, at most MAX_FIGURE_SIDE
    pixels a side (drawn at a lower dpi, then box-averaged if still larger)."""
    width, height = (float(v) for v in figure.get_size_inches())
    side = max(width, height, 1e-3)
    figure.set_dpi(min(100.0, MAX_FIGURE_SIDE / side))
    figure.canvas.draw()
    rgb = np.asarray(figure.canvas.buffer_rgba())[..., :3].astype(np.float64) / 255.0
    return shrink(rgb, MAX_FIGURE_SIDE)


def shrink(image: np.ndarray, side: int) -> np.ndarray:
    """Box-average an (h, w, 3) image by the smallest integer factor that makes both sides at
    most ``side``."""
    h, w = image.shape[:2]
    factor = max(1, -(-max(h, w) // side))
    if factor == 1:
        return image
    h2, w2 = h // factor, w // factor
    cropped = image[: h2 * factor, : w2 * factor]
    return cropped.reshape(h2, factor, w2, factor, -1).mean(axis=(1, 3))


# ------------------------------------------------------------------------- to the grader

def figure_arrays(executed: ExecutedNotebook, prefix: str | None = None,
                  cells=None, limit: int = MAX_FIGURES_PER_CASE) -> dict[str, np.ndarray]:
    """``figure.<prefix>.cell<k>.<j>`` -> the j-th figure of code cell k (all cells, or the
    numbers in ``cells``), the first ``limit`` of them (the grader keeps no more a case);
    ``prefix`` defaults to the notebook's name without .ipynb."""
    prefix = label_of(prefix or executed.name.rsplit(".", 1)[0])
    found = {}
    for cell in executed.cells:
        if cell.kind != "code" or (cells is not None and cell.number not in cells):
            continue
        for j, figure in enumerate(cell.figures, start=1):
            if len(found) >= limit:
                return found
            found[f"{FIGURE_PREFIX}{prefix}.cell{cell.number}.{j}"] = figure
    return found


def export_arrays(executed: ExecutedNotebook) -> dict[str, np.ndarray]:
    """``export.<notebook>.<i>.<field>`` -> UTF-8 bytes as a 1-D float array, for every cell i
    (1-based, all cells in order): ``head`` (``In [3]: ok, 0.20 s``, ``Markdown``), ``source``
    and ``output`` (bounded; the whole export at most MAX_EXPORT_CHARS characters)."""
    arrays, budget = {}, MAX_EXPORT_CHARS
    failure = executed.failure
    texts = []
    if failure is not None and failure.cell == 0:
        texts.append(("Notebook", "", failure.describe(executed.name)))
    for cell in executed.cells:
        if cell.kind == "code":
            head = f"In [{cell.number}]: {cell.status}"
            if cell.status in ("ok", "error", "timeout"):
                head += f", {cell.seconds:.2f} s"
            if cell.figures:
                head += f", {len(cell.figures)} figure(s)"
            if cell.skipped:
                head += f", {len(cell.skipped)} magic/shell line(s) skipped"
            output = cell.output
            if failure is not None and failure.cell == cell.number:
                output += ("\n" if output else "") + failure.describe(executed.name)
        else:
            head, output = cell.kind.capitalize(), ""
        texts.append((head, cell.source[:MAX_SOURCE_CHARS], output))
    for index, fields in enumerate(texts, start=1):
        for field_name, text in zip(("head", "source", "output"), fields):
            text = text[:max(0, budget)]
            budget -= len(text)
            arrays[f"{EXPORT_PREFIX}{executed.name}.{index}.{field_name}"] = np.frombuffer(
                text.encode("utf-8"), dtype=np.uint8).astype(np.float64)
    return arrays
