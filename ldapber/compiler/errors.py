"""The one exception the ASN.1 compiler raises."""

from __future__ import annotations

__all__ = ["CompileError"]


class CompileError(Exception):
    """An ASN.1 construct that is invalid or not supported, with its place.

    ``str(err)`` reads ``file:line:col: message`` so editors can jump to it.
    """

    def __init__(self, message: str, filename: str, line: int, col: int) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.col = col
        super().__init__(f"{filename}:{line}:{col}: {message}")
