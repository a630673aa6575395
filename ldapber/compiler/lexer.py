"""Tokenizer for the subset of X.680 used by LDAP's ASN.1 modules.

Every token carries its line and column, so the parser and the resolver can
point at the exact place of an unsupported or invalid construct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import CompileError

__all__ = ["Token", "tokenize"]


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "number", "punct", "eof"
    text: str
    line: int
    col: int

    def where(self) -> str:
        return f"{self.line}:{self.col}"


# Longest punctuation first: "..." before "..", "::=" before ":".
_PUNCT = ("::=", "...", "..", "{", "}", "(", ")", "[", "]", ",", "|", "-", "<", ";")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_NUMBER = re.compile(r"[0-9]+")


def tokenize(text: str, filename: str = "<asn1>") -> list[Token]:
    """Split ASN.1 source into tokens, dropping comments and white space.

    Comments run from ``--`` to the next ``--`` or to the end of the line
    (X.680 12.6.3).
    """
    tokens: list[Token] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        col = 0
        n = len(line)
        while col < n:
            ch = line[col]
            if ch.isspace():
                col += 1
                continue
            if line.startswith("--", col):
                close = line.find("--", col + 2)
                col = n if close < 0 else close + 2
                continue
            m = _WORD.match(line, col)
            if m:
                tokens.append(Token("word", m.group(), lineno, col + 1))
                col = m.end()
                continue
            m = _NUMBER.match(line, col)
            if m:
                tokens.append(Token("number", m.group(), lineno, col + 1))
                col = m.end()
                continue
            for p in _PUNCT:
                if line.startswith(p, col):
                    tokens.append(Token("punct", p, lineno, col + 1))
                    col += len(p)
                    break
            else:
                raise CompileError(f"unexpected character {ch!r}", filename, lineno, col + 1)
    last = len(text.splitlines()) + 1
    tokens.append(Token("eof", "", last, 1))
    return tokens
