"""Sans-I/O protocol logic: no sockets, no asyncio (like h11).

- :mod:`.framer`: bytes in any chunking -> whole PDUs, sizes bounded.
- :mod:`.server`: a server's view of one connection (RFC 4511 sequencing).
- :mod:`.client`: a client's view of one connection (message-ID multiplexing).
- :mod:`.operations`: what a client does per operation (requests from arguments, results read),
  shared by the asyncio and the blocking clients.
- :mod:`.rules`: which responses answer which requests; the protocol errors.
- :mod:`.machine`: what the two machines share (states, outstanding operations, TLS).
"""

from .client import ClientConnection, ClientState, Notice, Response
from .framer import DEFAULT_MAX_PDU_SIZE, Framer, PDUTooLargeError
from .machine import ConnectionState
from .rules import LocalProtocolError, RemoteProtocolError
from .server import (
    Abandoned,
    EncodedResponse,
    Pause,
    ProtocolViolation,
    Request,
    ServerConnection,
    ServerState,
    Unbound,
)

__all__ = [
    "DEFAULT_MAX_PDU_SIZE", "Framer", "PDUTooLargeError", "LocalProtocolError", "RemoteProtocolError",
    "ServerConnection", "ServerState", "Request", "Abandoned", "Unbound", "ProtocolViolation",
    "EncodedResponse", "Pause",
    "ClientConnection", "ClientState", "Response", "Notice", "ConnectionState",
]
