"""A synthetic class to try the similarity report on (and to time it): submissions made from a
solution package with the edits students make to code, copied or not.

    python benchmarks/synthetic_class.py DEST --count 200 [--seed 0] [--base solution/hw1/mlp]

Every student starts from the base package (the HW1 solution by default), without its
``# BEGIN/END SOLUTION`` markers. Then:
- about 60% of the graded functions are rewritten independently (one of a few equivalent
  formulations, written for this generator), and each student has some habits of style
  (``np.dot`` for ``@``, ``np.sum(x)`` for ``x.sum()``, ``1.`` for ``1.0``, ...);
- local variables get the student's own names; comments are reworded or dropped; a third of
  the students delete the docstrings; methods and top-level functions are put in another order.
One student in ten copies an earlier student's result instead, then renames, rewords and
reorders it as above: those pairs are the ones a report should put on top.

The edits are also the building blocks of tests/test_similarity.py (``rename_locals``,
``reorder_definitions``, ``reword_comments``).
"""
from __future__ import annotations

import argparse
import ast
import io
import keyword
import random
import re
import shutil
import sys
import textwrap
import tokenize
from pathlib import Path

DEFAULT_BASE = Path(__file__).resolve().parents[1] / "solution" / "hw1" / "mlp"
COPY_EVERY = 10           # one student in this many copies an earlier one
REWRITE_PROBABILITY = 0.6
DROP_DOCSTRINGS_PROBABILITY = 0.3

_PHRASES = ("compute the result", "see the handout", "vectorised over the batch", "TODO tidy",
            "keep shapes (batch, n)", "as in lecture 4", "numerically stable", "cache for later",
            "update in place", "sanity-checked against gradcheck")
_PREFIXES = ("", "", "my_", "tmp_", "the_", "cur_")
_SUFFIXES = ("", "_", "2", "_val", "_arr", "_t")

# Independent formulations of graded functions: (module file, qualified name) -> bodies.
_REWRITES = {
    ("activations.py", "Sigmoid.forward"): [
        """
        out = np.empty(np.shape(x))
        pos = x >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
        ex = np.exp(x[~pos])
        out[~pos] = ex / (1.0 + ex)
        self.state = out
        return self.state
        """,
        """
        z = np.exp(-np.abs(x))
        self.state = np.where(x < 0, z / (1 + z), 1 / (1 + z))
        return self.state
        """],
    ("activations.py", "Sigmoid.derivative"): [
        """
        s = self.state
        return s - s * s
        """,
        """
        return self.state - self.state ** 2
        """],
    ("activations.py", "Tanh.derivative"): [
        """
        return 1 - np.square(self.state)
        """,
        """
        t = self.state
        return (1 - t) * (1 + t)
        """],
    ("activations.py", "ReLU.forward"): [
        """
        self.state = x * (x > 0)
        return self.state
        """,
        """
        self.state = np.where(x > 0, x, 0.0)
        return self.state
        """],
    ("activations.py", "ReLU.derivative"): [
        """
        return np.where(self.state > 0, 1.0, 0.0)
        """,
        """
        d = np.zeros_like(self.state)
        d[self.state > 0] = 1.0
        return d
        """],
    ("activations.py", "LeakyReLU.derivative"): [
        """
        grad = np.ones_like(self.state)
        grad[self.state <= 0] = self.alpha
        return grad
        """],
    ("loss.py", "SoftmaxCrossEntropy.forward"): [
        """
        self.logits, self.labels = x, y
        m = np.max(x, axis=1, keepdims=True)
        lse = m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))
        self.sm = np.exp(x - lse)
        self.loss = np.sum(-y * (x - lse), axis=1)
        return self.loss
        """,
        """
        self.logits = x
        self.labels = y
        shifted = x - np.amax(x, axis=1)[:, None]
        total = np.exp(shifted).sum(axis=1)[:, None]
        self.sm = np.exp(shifted) / total
        self.loss = -np.einsum("nk,nk->n", y, shifted - np.log(total))
        return self.loss
        """],
    ("batchnorm.py", "BatchNorm.backward"): [
        """
        n = delta.shape[0]
        self.dgamma = np.sum(delta * self.norm, axis=0, keepdims=True)
        self.dbeta = np.sum(delta, axis=0, keepdims=True)
        dnorm = delta * self.gamma
        centred = self.x - self.mean
        std_inv = 1.0 / np.sqrt(self.var + self.eps)
        dvar = np.sum(dnorm * centred, axis=0, keepdims=True) * -0.5 * std_inv ** 3
        dmean = (-np.sum(dnorm * std_inv, axis=0, keepdims=True)
                 - 2.0 * dvar * np.mean(centred, axis=0, keepdims=True))
        return dnorm * std_inv + dvar * 2.0 * centred / n + dmean / n
        """],
    ("mlp.py", "MLP.backward"): [
        """
        batch = labels.shape[0]
        self.criterion.forward(self.output, labels)
        grad = self.criterion.derivative() / batch
        layer = self.nlayers - 1
        while layer >= 0:
            grad = grad * self.activations[layer].derivative()
            if layer < self.num_bn_layers:
                grad = self.bn_layers[layer].backward(grad)
            self.dW[layer] = np.dot(self.layer_inputs[layer].T, grad)
            self.db[layer] = np.sum(grad, axis=0).reshape(self.b[layer].shape)
            grad = np.dot(grad, self.W[layer].T)
            layer -= 1
        """],
    ("mlp.py", "MLP.zero_grads"): [
        """
        self.dW = [np.zeros_like(w) for w in self.W]
        self.db = [np.zeros_like(v) for v in self.b]
        for layer in self.bn_layers:
            layer.dgamma = np.zeros_like(layer.gamma)
            layer.dbeta = np.zeros_like(layer.beta)
        """],
    ("mlp.py", "MLP.step"): [
        """
        for i in range(self.nlayers):
            g = self.dW[i] + self.weight_decay * self.W[i]
            self.W_velocity[i] = self.momentum * self.W_velocity[i] - self.lr * g
            self.W[i] += self.W_velocity[i]
            self.b_velocity[i] = self.momentum * self.b_velocity[i] - self.lr * self.db[i]
            self.b[i] += self.b_velocity[i]
        for j, bn in enumerate(self.bn_layers):
            self.gamma_velocity[j] = self.momentum * self.gamma_velocity[j] - self.lr * bn.dgamma
            bn.gamma += self.gamma_velocity[j]
            self.beta_velocity[j] = self.momentum * self.beta_velocity[j] - self.lr * bn.dbeta
            bn.beta += self.beta_velocity[j]
        """],
    ("training.py", "get_training_stats"): [
        """
        (train_x, train_y), (val_x, val_y), _ = dset
        n = train_x.shape[0]
        stats = np.zeros((4, nepochs))
        for e in range(nepochs):
            order = np.arange(n)
            np.random.shuffle(order)
            mlp.train()
            total_loss, wrong, start = 0.0, 0, 0
            while start < n:
                rows = order[start:start + batch_size]
                mlp.zero_grads()
                pred = mlp.forward(train_x[rows])
                mlp.backward(train_y[rows])
                mlp.step()
                total_loss += mlp.criterion.loss.sum()
                wrong += int((pred.argmax(1) != train_y[rows].argmax(1)).sum())
                start += batch_size
            stats[0, e] = total_loss / n
            stats[1, e] = wrong / n
            mlp.eval()
            pred = mlp.forward(val_x)
            stats[2, e] = mlp.criterion(pred, val_y).mean()
            stats[3, e] = (pred.argmax(1) != val_y.argmax(1)).mean()
        return stats[0], stats[1], stats[2], stats[3]
        """],
    ("activations.py", "LeakyReLU.forward"): [
        """
        self.state = np.maximum(x, 0) + self.alpha * np.minimum(x, 0)
        return self.state
        """],
    ("batchnorm.py", "BatchNorm.forward"): [
        """
        if not eval:
            self.x = x
            self.mean = np.mean(x, axis=0, keepdims=True)
            self.var = np.mean((x - self.mean) ** 2, axis=0, keepdims=True)
            self.norm = (x - self.mean) / np.sqrt(self.var + self.eps)
            self.out = self.gamma * self.norm + self.beta
            a = self.alpha
            self.running_mean = a * self.running_mean + (1 - a) * self.mean
            self.running_var = a * self.running_var + (1 - a) * self.var
            return self.out
        scaled = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
        return scaled * self.gamma + self.beta
        """],
    ("mlp.py", "MLP.forward"): [
        """
        self.layer_inputs = []
        out = x
        for layer, act in enumerate(self.activations):
            self.layer_inputs.append(out)
            pre = np.dot(out, self.W[layer]) + self.b[layer]
            if layer < self.num_bn_layers:
                pre = self.bn_layers[layer].forward(pre, eval=not self.train_mode)
            out = act.forward(pre)
        self.output = out
        return self.output
        """],
    ("mlp.py", "MLP.initialize_parameters"): [
        """
        dims = [self.input_size, *hiddens, self.output_size]
        self.W = []
        self.b = []
        for k in range(len(dims) - 1):
            self.W.append(weight_init_fn(dims[k], dims[k + 1]))
            self.b.append(bias_init_fn(dims[k + 1]))
        self.dW = [np.zeros(w.shape) for w in self.W]
        self.db = [np.zeros(v.shape) for v in self.b]
        self.bn_layers = [BatchNorm(dims[k + 1]) for k in range(self.num_bn_layers)]
        self.W_velocity = [np.zeros(w.shape) for w in self.W]
        self.b_velocity = [np.zeros(v.shape) for v in self.b]
        self.gamma_velocity = [np.zeros(bn.gamma.shape) for bn in self.bn_layers]
        self.beta_velocity = [np.zeros(bn.beta.shape) for bn in self.bn_layers]
        """],
    ("mlp.py", "MLP.apply_momentum"): [
        """
        velocity[...] = self.momentum * velocity - self.lr * grad
        param[...] = param + velocity
        """],
    ("initializers.py", "random_normal_weight_init"): [
        """
        return np.random.normal(0.0, 1.0, size=(d0, d1))
        """],
    ("initializers.py", "zeros_bias_init"): [
        """
        return np.zeros(d).reshape(1, d)
        """],
}


# Habits of style, each taken up by half the students: equivalent code, other tokens.
_OPERAND = r"[A-Za-z_][\w.]*(?:\[[^\]]*\])?(?:\.T)?"
_STYLES = (
    (re.compile(rf"(?<![\w.\]])({_OPERAND}) @ ({_OPERAND})"), r"np.dot(\1, \2)"),
    (re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)\.fill\(0\.0\)"), r"\1[...] = 0.0"),
    (re.compile(r"(?<![\w.])(?!np\.)([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(sum|mean|var|max)"
                r"\((?=[^)])"), r"np.\2(\1, "),
    (re.compile(r"np\.zeros_like\(([A-Za-z_][\w.]*)\)"), r"np.zeros(\1.shape)"),
    (re.compile(r"range\(self\.nlayers\)"), "range(len(self.W))"),
    (re.compile(r"\b(\d+)\.0\b"), r"\1."),
)


# ----------------------------------------------------------------------------- the edits


def strip_markers(source: str) -> str:
    return "".join(line for line in source.splitlines(keepends=True)
                   if line.strip() not in ("# BEGIN SOLUTION", "# END SOLUTION"))


def restyle(source: str, rng: random.Random) -> str:
    """Take up each habit of ``_STYLES`` with probability 1/2."""
    for pattern, replacement in _STYLES:
        if rng.random() < 0.5:
            source = pattern.sub(replacement, source)
    return source


def rewrite_functions(source: str, filename: str, rng: random.Random,
                      probability: float = REWRITE_PROBABILITY) -> str:
    """Replace the body (after the docstring) of some graded functions by an independent
    formulation."""
    lines = source.splitlines(keepends=True)
    edits = []
    for qualname, node in _functions(ast.parse(source)):
        bodies = _REWRITES.get((filename, qualname))
        if not bodies or rng.random() >= probability:
            continue
        statements = node.body[1:] if _docstring(node) else node.body
        if not statements:
            continue
        indent = " " * statements[0].col_offset
        body = textwrap.indent(textwrap.dedent(rng.choice(bodies)).strip("\n") + "\n", indent)
        first = statements[0].lineno - 1
        # Comments between the docstring and the first statement go with the old body.
        while first > 0 and lines[first - 1].strip().startswith("#"):
            first -= 1
        edits.append((first, node.end_lineno, body))
    return _apply(lines, edits)


def drop_docstrings(source: str) -> str:
    lines = source.splitlines(keepends=True)
    edits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = _docstring(node)
            if doc is not None and len(node.body) > 1:
                edits.append((doc.lineno - 1, doc.end_lineno, ""))
    return _apply(lines, edits)


def reorder_definitions(source: str, rng: random.Random) -> str:
    """Shuffle the methods of every class, and the module's top-level functions among
    themselves (classes keep their order: a subclass must come after its base)."""
    tree = ast.parse(source)
    groups = [[n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]]
    groups += [[n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
               for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef)]
    lines = source.splitlines(keepends=True)
    edits = []
    for group in groups:
        if len(group) < 2:
            continue
        spans = [(_first_line(n), n.end_lineno) for n in group]
        texts = ["".join(lines[a:b]) for a, b in spans]
        order = list(range(len(group)))
        while order == sorted(order):
            rng.shuffle(order)
        edits += [(a, b, texts[order[i]]) for i, (a, b) in enumerate(spans)]
    return _apply(lines, edits)


def rename_locals(source: str, rng: random.Random) -> str:
    """Give every function's local variables new names (parameters, attributes and keyword
    arguments keep theirs, so the renamed code still runs)."""
    tree = ast.parse(source)
    taken = {tok.string for tok in _tokens(source) if tok.type == tokenize.NAME}
    prefix, suffix = rng.choice(_PREFIXES), rng.choice(_SUFFIXES)
    scopes = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        kept = {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
        kept |= {name for n in ast.walk(node) if isinstance(n, (ast.Global, ast.Nonlocal))
                 for name in n.names}
        local = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                        and isinstance(n.ctx, ast.Store)} - kept)
        mapping = {}
        for name in local:
            new = f"{prefix}{name}{suffix}"
            if new == name:
                new = f"{name}_{rng.randrange(2, 99)}"
            while new in taken or keyword.iskeyword(new):
                new = f"{new}{rng.randrange(10)}"
            taken.add(new)
            mapping[name] = new
        scopes.append((node.lineno, node.end_lineno, mapping))
    scopes.sort(key=lambda s: s[1] - s[0])          # innermost first
    edits = []
    depth = 0
    previous = next_is = None
    tokens = [t for t in _tokens(source)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type == tokenize.NAME and not (previous and previous.string == "."):
            next_is = tokens[i + 1].string if i + 1 < len(tokens) else ""
            keyword_argument = depth > 0 and next_is == "="
            for first, last, mapping in scopes:
                if first <= tok.start[0] <= last:
                    if tok.string in mapping and not keyword_argument:
                        edits.append((tok.start, tok.end, mapping[tok.string]))
                    break
        previous = tok
    return _apply_columns(source, edits)


def reword_comments(source: str, rng: random.Random) -> str:
    """Every comment is dropped or replaced by one of a few stock phrases."""
    edits = [(tok.start, tok.end, "" if rng.random() < 0.4 else f"# {rng.choice(_PHRASES)}")
             for tok in _tokens(source) if tok.type == tokenize.COMMENT]
    return _apply_columns(source, edits)


def disguise(source: str, rng: random.Random) -> str:
    """What a student does to code they did not write: rename, reword, reorder."""
    return reword_comments(rename_locals(reorder_definitions(source, rng), rng), rng)


# ----------------------------------------------------------------------------- the class


def make_student(base: dict[str, str], rng: random.Random) -> dict[str, str]:
    """file name -> source of one independently written student (from the base package)."""
    files = {}
    drop = rng.random() < DROP_DOCSTRINGS_PROBABILITY
    for name, source in base.items():
        source = restyle(rewrite_functions(strip_markers(source), name, rng), rng)
        if drop:
            source = drop_docstrings(source)
        files[name] = disguise(source, rng)
    return files


def make_class(dest: Path, count: int, seed: int = 0, base: Path = DEFAULT_BASE) -> dict[str, str]:
    """``count`` student folders ``dest/student_NNN/mlp/``. Returns who copied whom: the id of
    each copying student -> the id of the student copied."""
    rng = random.Random(seed)
    sources = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(base).glob("*.py"))}
    if not sources:
        raise ValueError(f"{base}: no .py files to make students from")
    made: dict[str, dict[str, str]] = {}
    copies = {}
    dest.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        student = f"student_{number:03d}"
        if made and number % COPY_EVERY == COPY_EVERY - 1:
            original = rng.choice(sorted(made))
            files = {name: disguise(text, rng) for name, text in made[original].items()}
            copies[student] = original
        else:
            files = make_student(sources, rng)
        made[student] = files
        write_package(dest / student / "mlp", files)
    return copies


def write_package(folder: Path, files: dict[str, str]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


# ----------------------------------------------------------------------------- helpers


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def _functions(tree: ast.Module):
    """(qualified name, node) of every function and method."""
    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield prefix + child.name, child
                yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
    yield from walk(tree, "")


def _docstring(node) -> ast.Expr | None:
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0]
    return None


def _first_line(node) -> int:
    """0-based first line of a definition, its decorators included."""
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1


def _apply(lines: list[str], edits: list[tuple[int, int, str]]) -> str:
    """Replace the 0-based line ranges [first, last) by texts (ranges do not overlap)."""
    for first, last, text in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[first:last] = [text] if text else []
    return "".join(lines)


def _apply_columns(source: str, edits) -> str:
    """Replace (row, col) -> (row, col) spans (tokenize positions, on one line each)."""
    lines = source.splitlines(keepends=True)
    for (row, col), (end_row, end_col), text in sorted(edits, reverse=True):
        assert row == end_row
        line = lines[row - 1]
        lines[row - 1] = line[:col] + text + line[end_col:]
    return "".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/synthetic_class.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="folder for the class (one folder per student)")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--base", type=Path, default=DEFAULT_BASE,
                        help="the package every student starts from (default: %(default)s)")
    args = parser.parse_args(argv)
    copies = make_class(args.dest, args.count, args.seed, args.base)
    print(f"{args.count} submissions in {args.dest}; copied: "
          + ", ".join(f"{c} from {o}" for c, o in copies.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
