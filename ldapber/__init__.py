"""ldapber: LDAP (RFC 4511) messages encoded and decoded in BER, fast and strictly.

>>> import ldapber
>>> msg = ldapber.decode(bytes.fromhex("300c020101600702010304008000"))
>>> msg.protocol_op
BindRequest(version=3, name='', authentication=Simple(value=b''))
>>> ldapber.encode(msg).hex()
'300c020101600702010304008000'
"""

from . import model
from ._backend import BACKEND
from ._version import __version__
from .codec import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_PDU_SIZE,
    Codec,
    StreamDecoder,
    codec_for,
    decode,
    decode_all,
    decode_prefix,
    decode_value,
    encode,
    encode_value,
    pdu_length,
)
from .errors import DecodeError, EncodeError, IncompleteError, LDAPBERError, PDUTooLargeError, Rule
from .model import *  # noqa: F403

__all__ = [
    "BACKEND", "DEFAULT_MAX_DEPTH", "DEFAULT_MAX_PDU_SIZE", "Codec", "DecodeError", "EncodeError", "IncompleteError",
    "LDAPBERError", "PDUTooLargeError", "Rule", "StreamDecoder", "__version__", "codec_for", "decode", "decode_all", "decode_prefix",
    "decode_value", "encode", "encode_value", "model", "pdu_length", *model.__all__,
]
