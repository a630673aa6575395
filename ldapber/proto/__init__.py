"""Sans-I/O protocol logic: no sockets, no asyncio (like h11).

So far: :mod:`framer`, bytes in any chunking -> whole PDUs.
"""

from .framer import DEFAULT_MAX_PDU_SIZE, Framer, PDUTooLargeError

__all__ = ["DEFAULT_MAX_PDU_SIZE", "Framer", "PDUTooLargeError"]
