"""The directory's errors: one tree under :class:`ldapber.LDAPBERError`,
each carrying the result code a server answers with.

:class:`DirectoryError` is any operation that failed (with a matchedDN
where RFC 4511 wants one); :class:`SchemaViolation` is the kind raised by
the schema and entry checks.  The service answers any DirectoryError, and a
:class:`~ldapber.model.dn.DNSyntaxError` (invalidDNSyntax), without
translating them.
"""

from __future__ import annotations

from ..errors import LDAPBERError
from ..model import ResultCode

__all__ = ["DirectoryError", "SchemaViolation"]


class DirectoryError(LDAPBERError):
    """An operation failed: the result code, a message, and the matchedDN."""

    def __init__(self, result_code: ResultCode, message: str = "", matched_dn: str = "") -> None:
        super().__init__(message)
        self.result_code = result_code
        self.message = message
        self.matched_dn = matched_dn

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.result_code.name}, {self.message!r})"


class SchemaViolation(DirectoryError, ValueError):
    """An entry or change the schema does not allow; ``result_code`` is what to answer."""

    def __init__(self, result_code: ResultCode, message: str) -> None:
        super().__init__(result_code, message)
