"""Turn Python source into the token stream that is fingerprinted: one 64-bit code per token.

The lexer is Pygments' Python lexer (the one copydetect itself uses for .py files). It never
fails, so code with syntax errors is compared too. The rules, those of copydetect's own
filter:

- whitespace, comments and docstrings are dropped;
- names a student chooses become placeholders: a variable, parameter or attribute ``V``, a
  function or method ``F``, a class ``O``; a string literal, however long, is one ``S``. So
  renaming identifiers or rewording strings and comments changes nothing;
- everything else (keywords, operators, numbers, ``self``, builtins such as ``len``, module
  names in imports) is kept as itself.

A token's code is a hash of its text alone (BLAKE2b), so equal code gives equal streams in
every run, whatever else the class holds. Each token keeps the exact place in the source it
came from, for the highlighting.

Boilerplate: a line whose code (its tokens, ignoring whitespace and comments) is a line of the
handout contributes no token. Comparing lines by their code lets a student's copy of the
starter code, with the docstrings left out or the comments edited, still count as the handout.
copydetect's own boilerplate option is not used: it removes fingerprints that are k-grams of
the boilerplate, so provided code re-typed without its docstrings (other k-grams) stays in, and
in 0.5.0 its filter (``np.intersect1d(..., assume_unique=True)`` on hashes that are not
unique) also drops fingerprints that merely occur twice in the submission itself.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
from dataclasses import dataclass

from pygments import token as T
from pygments.lexers import PythonLexer

_RENAMED = {T.Name, T.Name.Variable, T.Name.Variable.Instance, T.Name.Variable.Class,
            T.Name.Variable.Global, T.Name.Variable.Magic, T.Name.Attribute, T.Name.Other}
# Placeholders cannot collide with a kept lexeme: no Python token contains a NUL.
VARIABLE, FUNCTION, CLASS, STRING = "\0V", "\0F", "\0O", "\0S"
_LEXER = PythonLexer()


@functools.lru_cache(maxsize=65536)
def code_of(lexeme: str) -> int:
    return int.from_bytes(hashlib.blake2b(lexeme.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little")


@dataclass
class Token:
    code: int       # code_of(the token's text, or its placeholder)
    start: int      # offsets in the source: [start, end)
    end: int
    line: int       # 0-based line of `start`


_DROP, _STRING, _KEEP = "drop", "string", "keep"


@functools.lru_cache(maxsize=None)
def _category(kind) -> str:
    """What happens to a token of this Pygments type: dropped, merged into a string literal,
    a placeholder, or kept (``_KEEP``)."""
    if kind in T.Text or kind in T.Whitespace or kind in T.Comment or kind in T.String.Doc:
        return _DROP
    if kind in T.String:
        return _STRING
    if kind in _RENAMED:
        return VARIABLE
    if kind in T.Name.Function:
        return FUNCTION
    if kind in T.Name.Class:
        return CLASS
    return _KEEP


def code_tokens(source: str) -> list[Token]:
    """Every token of ``source`` that is compared, in order (string literals merged into one
    token each); nothing is filtered for boilerplate here."""
    line_starts = [0] + [i + 1 for i, c in enumerate(source) if c == "\n"]
    tokens: list[Token] = []
    in_string = False
    for start, kind, value in _LEXER.get_tokens_unprocessed(source):
        if not value:
            continue
        category = _category(kind)
        if category is _DROP:
            in_string = False
            continue
        end = start + len(value)
        if category is _STRING:
            if in_string:          # the rest of one literal ("...", f-string pieces, affixes)
                tokens[-1].end = end
                continue
            in_string = True
            lexeme = STRING
        else:
            in_string = False
            lexeme = value if category is _KEEP else category
        tokens.append(Token(code_of(lexeme), start, end,
                            bisect.bisect_right(line_starts, start) - 1))
    return tokens


def line_keys(source: str, tokens: list[Token]) -> dict[int, str]:
    """Line -> the line's code: the source text of the tokens that start on it, joined by a
    space (so indentation, spacing and comments do not matter). Lines without code are absent."""
    parts: dict[int, list[str]] = {}
    for tok in tokens:
        parts.setdefault(tok.line, []).append(source[tok.start:tok.end])
    return {line: " ".join(words) for line, words in parts.items()}


def handout_lines(sources: list[str]) -> frozenset[str]:
    """The code of every line of the handout's files (see ``line_keys``)."""
    keys: set[str] = set()
    for source in sources:
        keys.update(line_keys(source, code_tokens(source)).values())
    return frozenset(keys)
