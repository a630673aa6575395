"""A tiny indentation-aware writer for generated source."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["CodeWriter"]


class CodeWriter:
    def __init__(self, indent: str = "    ") -> None:
        self.lines: list[str] = []
        self.level = 0
        self.unit = indent

    def __call__(self, *lines: str) -> None:
        for text in lines:
            for line in text.split("\n") if text else [""]:
                self.lines.append(self.unit * self.level + line if line else "")

    @contextmanager
    def indent(self, header: str | None = None) -> Iterator[None]:
        if header is not None:
            self(header)
        self.level += 1
        try:
            yield
        finally:
            self.level -= 1

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"
