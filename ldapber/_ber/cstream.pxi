# The streaming decoder of the compiled backend: the twin of
# ldapber/_ber/pystream.py (same methods, same errors, same offsets).
# Included by the generated module of the stream's root type (LDAPMessage),
# after the cdef function ``stream_pdu(b, p, s, u, ctx)`` that decodes one.
#
# Bytes are copied once into a private buffer; headers are read in C and
# each complete PDU is decoded in place from that buffer: no per-PDU copy,
# no exception per PDU.  The buffer is compacted only when the consumed part
# outweighs the rest, so each byte is moved a bounded number of times,
# whatever the chunking.  A header announcing more than max_pdu_size is
# refused as soon as its length octets are in, before its body is buffered.

from cpython.mem cimport PyMem_Malloc, PyMem_Realloc, PyMem_Free
from ldapber._ber.pystream import failed_stream_error
from ldapber.errors import PDUTooLargeError

cdef enum:
    STREAM_MIN_CAPACITY = 16384
    STREAM_KEEP_CAPACITY = 256 * 1024  # a buffer grown past this is released once empty


cdef class StreamDecoder:
    """Bytes in any chunking -> LDAPMessages, as msgpack's ``Unpacker`` does.

    ``feed(data)`` appends bytes (bytes, bytearray or memoryview); iterating
    yields each complete LDAPMessage and stops when the next one is not
    complete yet; ``read()`` returns all complete ones as a list (one call
    per batch of received bytes).  ``buffered`` is how many bytes wait,
    ``position`` the stream offset of the next PDU.  Options are those of
    :func:`ldapber.decode`, plus ``max_pdu_size``: a header announcing more
    raises :class:`~ldapber.PDUTooLargeError` before its body is buffered.

    A malformed PDU raises :class:`~ldapber.DecodeError` whose offset counts
    from the start of the stream; the decoder then refuses further use (the
    PDU boundaries after a malformed PDU are unknown)."""

    cdef unsigned char* _buf
    cdef Py_ssize_t _cap, _start, _end
    cdef Py_ssize_t _base  # stream offset of _buf[0]
    cdef Py_ssize_t _s, _u  # content start and end of the PDU at _start; _u < 0 until its header is in
    cdef Ctx _ctx
    cdef readonly Py_ssize_t max_pdu_size
    cdef object _failure  # the DecodeError that stopped the stream
    cdef bint _pending  # _failure is yet to be raised (messages before it were returned first)
    cdef bint _busy

    def __cinit__(self):
        self._buf = NULL
        self._cap = self._start = self._end = self._base = 0
        self._u = -1

    def __init__(self, *, strict=True, relax=(), max_depth=DEFAULT_MAX_DEPTH, max_pdu_size=_py.DEFAULT_MAX_PDU_SIZE):
        mask, depth = _py.check_options(strict, relax, max_depth)
        self.max_pdu_size = _py.check_pdu_size(max_pdu_size)
        self._ctx = Ctx(mask, depth, self.max_pdu_size)

    def __dealloc__(self):
        PyMem_Free(self._buf)

    # -- input ----------------------------------------------------------------
    def feed(self, data):
        """Append bytes received from the peer (any chunking).  A header
        announcing more than ``max_pdu_size`` bytes, or one that can never be
        valid, raises here, before the body is buffered."""
        cdef Py_buffer view
        self._check_usable()
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            if view.len:
                self._reserve(view.len)
                memcpy(self._buf + self._end, view.buf, view.len)
                self._end += view.len
        finally:
            PyBuffer_Release(&view)
        if self._u < 0:
            self._find_head()

    @property
    def buffered(self):
        """Bytes fed but not yet returned as part of a message."""
        return self._end - self._start

    @property
    def position(self):
        """Stream offset of the next byte to decode (bytes consumed so far)."""
        return self._base + self._start

    # -- output ---------------------------------------------------------------
    def read(self):
        """Every complete LDAPMessage buffered now, as a list (empty when the
        next one is not complete yet).  A malformed PDU raises DecodeError
        (offset counted from the start of the stream); messages before it
        are returned first, and the error is raised by the next call."""
        cdef list out = []
        cdef int gc_was
        self._check_usable()
        gc_was = PyGC_Disable()
        try:
            while 0 <= self._u <= self._end:
                if not self._decode_into(out, bool(out)):
                    break
        finally:
            if gc_was:
                PyGC_Enable()
        return out

    def __iter__(self):
        return self

    def __next__(self):
        cdef list out
        cdef int gc_was
        self._check_usable()
        if self._u < 0 or self._u > self._end:
            raise StopIteration
        out = []
        gc_was = PyGC_Disable()
        try:
            self._decode_into(out, 0)
        finally:
            if gc_was:
                PyGC_Enable()
        return out[0]

    # -- internals ------------------------------------------------------------
    cdef int _check_usable(self) except -1:
        if self._busy:
            raise RuntimeError("the stream decoder is already decoding (re-entrant call)")
        if self._failure is not None:
            if self._pending:
                self._pending = 0
                raise self._failure
            raise failed_stream_error(self._failure)
        return 0

    cdef int _reserve(self, Py_ssize_t n) except -1:
        cdef Py_ssize_t live = self._end - self._start, cap
        cdef unsigned char* nb
        if n > PY_SSIZE_T_MAX - self._end:
            raise MemoryError("stream buffer too large")
        if self._end + n <= self._cap:
            return 0
        if self._start and self._start >= live:  # drop the consumed part: amortised linear
            memmove(self._buf, self._buf + self._start, live)
            self._base += self._start
            if self._u >= 0:
                self._s -= self._start
                self._u -= self._start
            self._end = live
            self._start = 0
            if self._end + n <= self._cap:
                return 0
        cap = max(self._cap * 2, self._end + n, <Py_ssize_t>STREAM_MIN_CAPACITY)
        nb = <unsigned char*>PyMem_Realloc(self._buf, cap)
        if nb == NULL:
            raise MemoryError()
        self._buf = nb
        self._cap = cap
        return 0

    cdef int _find_head(self) except -1:
        # The header of the PDU at _start: sets _s/_u once its tag and length
        # octets are in.  Plain headers in C; anything else is judged by the
        # Python runtime (which raises: none of those can be valid).
        cdef const unsigned char* b = self._buf + self._start
        cdef Py_ssize_t n = self._end - self._start, k, i, s
        cdef unsigned long long v
        if n < 2:
            return 0 if n == 0 or b[0] == 0x30 else self._bad_head(n)  # a wrong tag is judged at once
        if b[0] == 0x30 and b[1] < 0x80:
            s = 2
            v = b[1]
        elif b[0] == 0x30 and 0x80 < b[1] < 0xFF:
            k = b[1] & 0x7F
            if n < 2 + k:
                return 0
            i = 2
            while i < 2 + k and b[i] == 0:
                i += 1
            if 2 + k - i > 7:
                return self._bad_head(n)
            v = 0
            while i < 2 + k:
                v = (v << 8) | b[i]
                i += 1
            s = 2 + k
        else:
            return self._bad_head(n)
        if v > <unsigned long long>(self.max_pdu_size - s):
            self._failure = PDUTooLargeError(s + v, self.max_pdu_size, self._base + self._start)
            self._failure.root = "LDAPMessage"
            raise self._failure
        self._s = self._start + s
        self._u = self._s + <Py_ssize_t>v
        return 0

    cdef int _bad_head(self, Py_ssize_t n) except -1:
        try:
            got = _py._bad_header(PyBytes_FromStringAndSize(<const char*>self._buf + self._start,
                                                            min(n, <Py_ssize_t>_py.HEADER_MAX)),
                                  0, n, self._base + self._start)
        except DecodeError as err:
            self._failure = err
            raise
        if got is not None:  # pragma: no cover - the runtime accepts no header the fast paths refuse
            raise AssertionError("stream header judged valid by the slow path only")
        return 0

    cdef bint _decode_into(self, list out, bint defer) except -1:
        # Decode the complete PDU at _start into ``out`` and find the next
        # header; 1 if the caller may go on.  A decode error is raised, or,
        # with ``defer``, kept for the next call.  A header error after a
        # decoded PDU is always kept for the next call.
        cdef Py_ssize_t p = self._start, u = self._u
        self._busy = 1
        try:
            out.append(stream_pdu(self._buf, p, self._s, u, self._ctx))
        except DecodeError as err:
            if err.offset >= 0:
                err.offset += self._base
            if not err.root:
                err.root = "LDAPMessage"
            self._failure, self._pending, self._u = err, defer, -1
            if defer:
                return 0
            raise
        finally:
            self._busy = 0
        self._start = u
        self._u = -1
        if self._start == self._end:
            self._base += self._end
            self._start = self._end = 0
            if self._cap > STREAM_KEEP_CAPACITY:
                PyMem_Free(self._buf)
                self._buf = NULL
                self._cap = 0
            return 0
        try:
            self._find_head()
        except DecodeError:
            self._pending = 1
            return 0
        return 1


def envelop(long long message_id, ops):
    """Encoded protocolOps -> the LDAPMessages that carry them with
    ``message_id``, back to back in one bytes object (what a server sends
    for a batch of stored search entries).  The twin of
    :func:`ldapber._ber.pystream.envelop`."""
    cdef unsigned char mid[7]
    cdef Py_ssize_t i, j, n = len(ops), size, total = 0, k
    cdef int mid_len
    cdef unsigned long long v
    cdef unsigned char* w
    cdef object op
    if type(ops) is not list:
        ops = list(ops)
    n = len(ops)
    if message_id < 0 or message_id > 0x7FFFFFFF:
        raise ValueError(f"message ID {message_id} is out of range (0 .. 2**31 - 1)")
    # INTEGER messageID: tag, length, minimal two's-complement content
    v = <unsigned long long>message_id
    k = 1
    while k < 4 and (v >> (8 * k - 1)) != 0:
        k += 1
    mid[0] = 0x02
    mid[1] = <unsigned char>k
    for i in range(k):
        mid[2 + i] = <unsigned char>((v >> (8 * (k - 1 - i))) & 0xFF)
    mid_len = 2 + <int>k
    for i in range(n):
        op = ops[i]
        if type(op) is not bytes:
            raise TypeError(f"ops[{i}]: expected bytes, got {type(op).__name__}")
        size = mid_len + PyBytes_GET_SIZE(op)
        total += 1 + _length_octets(size) + size
    out = PyBytes_FromStringAndSize(NULL, total)
    w = <unsigned char*>PyBytes_AS_STRING(out)
    for i in range(n):
        op = ops[i]
        size = mid_len + PyBytes_GET_SIZE(op)
        w[0] = 0x30
        k = _length_octets(size)
        if k == 1:
            w[1] = <unsigned char>size
        else:
            w[1] = <unsigned char>(0x80 | (k - 1))
            for j in range(k - 1):
                w[2 + j] = <unsigned char>((size >> (8 * (k - 2 - j))) & 0xFF)
        w += 1 + k
        memcpy(w, mid, mid_len)
        w += mid_len
        memcpy(w, PyBytes_AS_STRING(op), PyBytes_GET_SIZE(op))
        w += PyBytes_GET_SIZE(op)
    return out


cdef inline Py_ssize_t _length_octets(Py_ssize_t size) noexcept:
    # octets of a definite length in its shortest form
    cdef Py_ssize_t k = 1
    if size < 0x80:
        return 1
    while size > 0:
        k += 1
        size >>= 8
    return k
