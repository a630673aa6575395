# The Cython twin of ldapber/_ber/pyruntime.py, included into each generated
# extension module.  Same functions, same argument order, same rules; the
# slow paths (building errors) call the Python runtime, so messages, rules
# and offsets are identical by construction.  Every read is bounds-checked
# against the enclosing element's end before it happens.

from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8
from cpython.mem cimport PyMem_Malloc, PyMem_Realloc, PyMem_Free
from libc.string cimport memcpy, memmove

from cpython.ref cimport PyObject, Py_INCREF, Py_DECREF, Py_XDECREF
from cpython.list cimport PyList_New, PyList_SET_ITEM, PyList_GET_SIZE, PyList_GET_ITEM
from libc.string cimport memcmp

cdef extern from "Python.h":
    PyObject* PyUnicode_DecodeUTF8_raw "PyUnicode_DecodeUTF8"(const char*, Py_ssize_t, const char*)
    void PyErr_Clear()
    Py_ssize_t PY_SSIZE_T_MAX
    bint PyUnicode_IS_COMPACT_ASCII(object)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    void* PyUnicode_DATA(object)
    int PyGC_Disable()
    void PyObject_GC_UnTrack(object)
    void PyObject_GC_Track(object)
    int PyGC_Enable()
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL
    bint PyUnicode_Check(object)
    bint PyUnicode_CheckExact(object)
    bint PyBytes_CheckExact(object)
    bint PyLong_Check(object)
    bint PyBool_Check(object)
    long long PyLong_AsLongLongAndOverflow(object, int*) except? -1

cdef extern from "../_ber/slots.h":
    Py_ssize_t lb_slot_offset(object descr) except -1
    object lb_alloc(object cls)
    void* lb_memcpy(void*, const void*, size_t)
    void lb_copy(void*, const void*, size_t)
    bint lb_small_int(object v, long long* out)
    unsigned int lb_hash_short(const unsigned char* p, size_t n)
    int lb_install(object cls) except -1
    int lb_set_default_dealloc(object plain_heap_class) except -1
    bint lb_layout_is(object o, object cls)
    object lb_layout_class(object o, object classes)
    bint lb_installed(object cls)
    void lb_set(object o, Py_ssize_t off, object v)
    object lb_get(object o, Py_ssize_t off)
    PyObject* lb_peek(object o, Py_ssize_t off)
    bint lb_slot_is(object o, Py_ssize_t off, object v)
    PyObject* lb_type(object o)
    void lb_expose(object v)
    bint lb_lists_untracked()
    int lb_pack_slot(object cls, Py_ssize_t off) except -1

import sys
from importlib import import_module

from ldapber.errors import DecodeError, EncodeError
from ldapber.model._base import Asn1Object, UnknownAlternative
from ldapber._ber import pyruntime as _py
from ldapber._ber.pyruntime import (
    enum_table, alternative_class, range_error, size_error, default_error,
    depth_error, order_error, trailing_error, missing_error, enc_size_error, enc_depth_error, enc_changed_error,
    type_error, fail, tag_error, check_oid_text,
)
from ldapber.errors import Rule, IncompleteError, PDUTooLargeError

cdef enum:
    R_BOOL = 1
    R_DEFAULT = 2
    R_MININT = 4
    R_RANGE = 8
    R_SIZE = 16
    R_SUBSTR = 32
    R_UTF8 = 64
    R_OID = 128

cdef tuple EMPTY = ()
cdef int ENC_MAX_DEPTH = _py.ENC_MAX_DEPTH


cdef class Ctx:
    # Per-call options: the relax mask, the depth bound, the largest PDU.
    cdef public int relax
    cdef public int max_depth
    cdef public Py_ssize_t max_pdu

    def __cinit__(self, int relax, int max_depth, Py_ssize_t max_pdu=_py.DEFAULT_MAX_PDU_SIZE):
        self.relax = relax
        self.max_depth = max_depth
        self.max_pdu = max_pdu


DEFAULT_MAX_DEPTH = _py.DEFAULT_MAX_DEPTH
DEFAULT_MAX_PDU_SIZE = _py.DEFAULT_MAX_PDU_SIZE
cdef Ctx DEFAULT_CTX = Ctx(0, _py.DEFAULT_MAX_DEPTH, _py.DEFAULT_MAX_PDU_SIZE)
cdef Ctx _last_ctx = DEFAULT_CTX


cdef inline Ctx ctx_for(int relax, int max_depth, Py_ssize_t max_pdu):
    # Options are read-only during a decode, so one Ctx serves every call
    # with the same options; keep the last one instead of allocating.
    global _last_ctx
    if _last_ctx.relax != relax or _last_ctx.max_depth != max_depth or _last_ctx.max_pdu != max_pdu:
        _last_ctx = Ctx(relax, max_depth, max_pdu)
    return _last_ctx


cdef enum:
    # The compiled decoder of a type that contains itself (Filter) recurses
    # in C down to this level (a few hundred bytes of C stack per level), and
    # hands anything deeper to its pure-Python twin, which decodes on a list.
    DEEP_START = 96


cdef object deep_twin(object twin, const unsigned char* b, Py_ssize_t s, Py_ssize_t e, Ctx c, int depth,
                      Py_ssize_t* end):
    # Decode the element at ``s`` (within ``e``) with the Python runtime's
    # ``deep`` and ``twin`` (the generator decoder of the same type), over a
    # padded copy of just that element (see pyruntime.PAD); offsets come back
    # absolute.  Each byte is copied once at most: the twin never hands back,
    # and the copy stops at the element's end (not at ``e``: the end of the
    # set of a thousand such elements).  A header that does not parse is
    # left to the twin, which reports it as the Python backend does.
    cdef Py_ssize_t stop
    try:
        stop = tlv_end(b, s, e)
    except DecodeError:
        stop = e
    sub = PyBytes_FromStringAndSize(<const char*>b + s, stop - s) + _py.PAD
    try:
        v, u = _py.deep(twin, sub, 0, stop - s, _py.Ctx(c.relax, c.max_depth, c.max_pdu), depth)
    except DecodeError as err:
        err.offset += s
        raise
    end[0] = s + u
    return v


cdef int add_segment(object kind, object seg) except -1:
    # Called from a generated function's ``finally`` while an exception is
    # propagating (Cython exposes it as the handled exception there): adds
    # this level's component name or item index to a codec error's path.
    exc = sys.exc_info()[1]
    if isinstance(exc, kind):
        exc._segs.append(seg)
    return 0


cdef int set_root(object kind, str root) except -1:
    # The same, from an entry point's ``finally``: names the root type.
    exc = sys.exc_info()[1]
    if isinstance(exc, kind):
        exc.root = root
    return 0


# -- lengths and headers --------------------------------------------------------
cdef Py_ssize_t long_length(const unsigned char* b, Py_ssize_t p, Py_ssize_t lp, Py_ssize_t e,
                            Py_ssize_t* n) except -1:
    cdef unsigned char first = b[lp]
    cdef Py_ssize_t k, s, i
    cdef unsigned long long v = 0
    if first == 0x80:
        raise fail(Rule.INDEFINITE_LENGTH, "indefinite length is not allowed (RFC 4511 5.1)", p)
    if first == 0xFF:
        raise fail(Rule.LENGTH_RESERVED, "length octet 0xFF is reserved (X.690 8.1.3.5)", p)
    k = first & 0x7F
    s = lp + 1 + k
    if s > e:
        raise fail(Rule.LENGTH_OVERFLOW, "length octets run past the enclosing element", p)
    i = lp + 1
    while i < s and b[i] == 0:
        i += 1
    if s - i > 7:
        raise fail(Rule.LENGTH_TOO_LARGE, "length needs more than 7 octets", p)
    while i < s:
        v = (v << 8) | b[i]
        i += 1
    n[0] = <Py_ssize_t>v
    return s


cdef inline Py_ssize_t hdr(const unsigned char* b, Py_ssize_t p, Py_ssize_t e, int tag,
                           Py_ssize_t* u) except -1:
    # The common case inline (expected tag, short length that fits); the
    # rest, errors included, in hdr_full.
    cdef Py_ssize_t n
    if p + 1 < e and b[p] == tag:
        n = b[p + 1]
        if n < 0x80 and n <= e - p - 2:
            u[0] = p + 2 + n
            return p + 2
    return hdr_full(b, p, e, tag, u)


cdef Py_ssize_t hdr_full(const unsigned char* b, Py_ssize_t p, Py_ssize_t e, int tag,
                         Py_ssize_t* u) except -1:
    cdef Py_ssize_t s, n
    if p >= e:
        raise missing_error(p)
    if b[p] != tag:
        raise tag_error(b[p], p, tag)
    if p + 1 >= e:
        raise fail(Rule.LENGTH_OVERFLOW, "element runs past its enclosing element", p)
    n = b[p + 1]
    if n < 0x80:
        s = p + 2
    elif n == 0x81 and p + 2 < e:  # 128-255 octets: no call for the common long form
        s = p + 3
        n = b[p + 2]
    else:
        s = long_length(b, p, p + 1, e, &n)
    if n > e - s:
        raise fail(Rule.LENGTH_OVERFLOW, "element runs past its enclosing element", p)
    u[0] = s + n
    return s


cdef Py_ssize_t tlv_end(const unsigned char* b, Py_ssize_t p, Py_ssize_t e) except -1:
    cdef Py_ssize_t lp, s, n
    cdef unsigned char octet
    cdef unsigned long number = 0
    if p >= e:
        raise missing_error(p)
    lp = p + 1
    if b[p] & 0x1F == 0x1F:
        while True:
            if lp >= e:
                raise fail(Rule.LENGTH_OVERFLOW, "tag runs past the enclosing element", p)
            if lp - p > 4:
                raise fail(Rule.TAG_TOO_LONG, "tag number needs more than 4 octets", p)
            octet = b[lp]
            if lp == p + 1 and octet == 0x80:
                raise fail(Rule.TAG_ENCODING, "a tag number's first octet is 0x80 (X.690 8.1.2.4.2 c)", p)
            number = number << 7 | (octet & 0x7F)
            lp += 1
            if not octet & 0x80:
                break
        if number < 31:
            raise fail(Rule.TAG_ENCODING, f"tag number {number} in the high-tag-number form (X.690 8.1.2.4: "
                                          "numbers below 31 take one octet)", p)
    elif not b[p] & 0xDF:
        raise fail(Rule.TAG_ENCODING, "universal tag 0 is reserved for end-of-contents (X.690 8.1.5)", p)
    if lp >= e:
        raise fail(Rule.LENGTH_OVERFLOW, "element runs past its enclosing element", p)
    n = b[lp]
    if n < 0x80:
        s = lp + 1
    else:
        s = long_length(b, p, lp, e, &n)
    if n > e - s:
        raise fail(Rule.LENGTH_OVERFLOW, "element runs past its enclosing element", p)
    return s + n


cdef Py_ssize_t top(const unsigned char* b, Py_ssize_t n, int tag, Py_ssize_t limit, Py_ssize_t* u) except -1:
    # Plain headers inline; anything unusual (a wrong tag, a cut or invalid
    # header, a CHOICE at the top) is judged by the Python runtime from the
    # header octets (at most 2 + 127 of them) and the real length.  An element
    # announcing more than ``limit`` bytes is refused from its header.
    cdef Py_ssize_t s, ln
    if n >= 2 and b[0] == tag and b[1] != 0x80 and b[1] != 0xFF and 2 + (b[1] & 0x7F) <= n:
        if b[1] < 0x80:
            s = 2
            ln = b[1]
        elif b[1] == 0x81:  # 2 + 1 <= n was tested above
            s = 3
            ln = b[2]
        else:
            s = long_length(b, 0, 1, n, &ln)
        if ln > limit - s:
            raise PDUTooLargeError(s + ln, limit, 0)
        if ln > n - s:
            raise IncompleteError(f"the PDU needs {s + ln - n} more bytes", offset=0, needed=s + ln - n)
        u[0] = s + ln
        return s
    s, end = _py.top(PyBytes_FromStringAndSize(<const char*>b, min(n, 2 + 127)), n, tag, limit)
    u[0] = end
    return s


cdef Py_ssize_t top_at(const unsigned char* b, Py_ssize_t pos, Py_ssize_t n, int tag, Py_ssize_t limit,
                       Py_ssize_t* u) except -1:
    cdef Py_ssize_t s
    try:
        s = top(b + pos, n - pos, tag, limit, u)
    except DecodeError as err:
        err.offset += pos
        raise
    u[0] += pos
    return s + pos


# -- SEQUENCE OF / SET OF lists ---------------------------------------------------
cdef enum:
    LIST_PRESIZE_MAX = 4096

cdef Py_ssize_t count_elements(const unsigned char* b, Py_ssize_t s, Py_ssize_t e):
    # How many well-formed elements (single-octet tags, definite lengths) lie
    # back to back in [s, e), up to LIST_PRESIZE_MAX: the size of the list to
    # allocate.  Never raises: it stops at the first irregular header, where
    # the decode will raise.
    cdef Py_ssize_t k = 0, n, lp, j
    while k < LIST_PRESIZE_MAX and s + 1 < e and b[s] & 0x1F != 0x1F:
        n = b[s + 1]
        if n < 0x80:
            s += 2
        else:
            lp = n & 0x7F
            if lp == 0 or lp > 7 or lp > e - s - 2:
                break
            n = 0
            for j in range(lp):
                n = (n << 8) | b[s + 2 + j]
            s += 2 + lp
        if n > e - s:
            break
        s += n
        k += 1
    return k


cdef inline list new_list(Py_ssize_t k):
    # A list of k empty places, filled in order by list_put.  Python code can
    # run before it is full (error paths, relaxed UTF-8), and could reach it
    # through gc.get_objects(): it stays untracked, so invisible, at least
    # until list_trim() has removed any empty places.  (An error leaves it
    # untracked; list_dealloc accepts that.)  count_elements caps k, so
    # headers alone never allocate much: elements beyond it are appended.
    cdef list out = <list>PyList_New(k)
    PyObject_GC_UnTrack(out)
    return out


cdef inline int list_put(list out, Py_ssize_t i, Py_ssize_t k, object v) except -1:
    if i < k:
        Py_INCREF(v)
        PyList_SET_ITEM(out, i, v)
        return 0
    return out.append(v)  # more elements than counted (a header count_elements stopped at)


cdef inline int list_trim(list out, Py_ssize_t i, Py_ssize_t k) except -1:
    # Called once per new_list(), when the list is complete.
    if i < k:  # fewer than counted: drop the empty places
        del out[i:]
    if not lb_lists_untracked():  # else tracked once Python code reads it (slots.h, lb_expose)
        PyObject_GC_Track(out)
    return 0


# -- primitive values ------------------------------------------------------------
cdef inline object rd_bool(const unsigned char* b, Py_ssize_t p, Py_ssize_t s, Py_ssize_t u, Ctx c):
    cdef unsigned char v
    if u - s != 1:
        raise fail(Rule.PRIMITIVE_LENGTH, "a BOOLEAN has exactly one content octet", p)
    v = b[s]
    if v == 0xFF:
        return True
    if v == 0:
        return False
    if c.relax & R_BOOL:
        return True
    raise fail(Rule.BOOLEAN_VALUE, f"BOOLEAN TRUE must be 0xFF, found 0x{v:02x} (RFC 4511 5.1)", p)


cdef inline long long rd_int(const unsigned char* b, Py_ssize_t p, Py_ssize_t s, Py_ssize_t u, Ctx c) except? -1:
    cdef long long v
    cdef Py_ssize_t n = u - s
    if n == 1:
        return <signed char>b[s]
    if n == 0:
        raise fail(Rule.PRIMITIVE_LENGTH, "an INTEGER needs at least one content octet", p)
    if (b[s] == 0 and b[s + 1] < 0x80) or (b[s] == 0xFF and b[s + 1] >= 0x80):
        if not c.relax & R_MININT:
            raise fail(Rule.MINIMAL_INTEGER, "INTEGER has redundant leading octets", p)
        while u - s > 1 and ((b[s] == 0 and b[s + 1] < 0x80) or (b[s] == 0xFF and b[s + 1] >= 0x80)):
            s += 1
    if u - s > 8:
        raise fail(Rule.INTEGER_SIZE, "INTEGER wider than 64 bits", p)
    v = <signed char>b[s]
    s += 1
    while s < u:
        v = <long long>((<unsigned long long>v << 8) | b[s])
        s += 1
    return v


cdef inline object rd_text(const unsigned char* b, Py_ssize_t p, Py_ssize_t s, Py_ssize_t u, Ctx c):
    cdef PyObject* r = PyUnicode_DecodeUTF8_raw(<const char*>b + s, u - s, NULL)
    if r is NULL:  # invalid UTF-8: let the Python runtime raise or relax
        PyErr_Clear()
        return _py.rd_text(PyBytes_FromStringAndSize(<const char*>b, u), p, s, u, c)
    v = <object>r
    Py_DECREF(v)
    return v


# Attribute descriptions repeat in every entry of a result set, and so do
# many short values (objectClass values, say): two small direct-mapped caches
# return the same immutable object for the same bytes, sparing a decode, an
# allocation and a free each time.  A slot holds the last value that hashed
# to it; a hit is confirmed by comparing the bytes.
cdef enum:
    INTERN_SLOTS = 512
    INTERN_MAX_LEN = 40
    SHARE_SLOTS = 1024
    SHARE_MAX_LEN = 24
cdef PyObject* _intern[INTERN_SLOTS]
cdef PyObject* _shared[SHARE_SLOTS]


cdef inline object rd_attr(const unsigned char* b, Py_ssize_t p, Py_ssize_t s, Py_ssize_t u, Ctx c):
    cdef Py_ssize_t n = u - s
    cdef unsigned int h
    cdef PyObject* hit
    if n == 0 or n > INTERN_MAX_LEN:
        return rd_text(b, p, s, u, c)
    h = lb_hash_short(b + s, n) & (INTERN_SLOTS - 1)
    hit = _intern[h]
    if hit is not NULL and PyUnicode_GET_LENGTH(<object>hit) == n and \
            memcmp(PyUnicode_DATA(<object>hit), b + s, n) == 0:
        return <object>hit
    v = rd_text(b, p, s, u, c)  # may run Python code (and switch threads)
    if PyUnicode_IS_COMPACT_ASCII(v):  # its characters are its UTF-8 bytes
        cache_put(&_intern[h], v)
    return v


cdef inline void cache_put(PyObject** slot, object v) noexcept:
    # Replace what the slot holds (read now, not before any Python code ran).
    cdef PyObject* old = slot[0]
    Py_INCREF(v)
    slot[0] = <PyObject*>v
    Py_XDECREF(old)


cdef int check_oid(const unsigned char* b, Py_ssize_t p, Py_ssize_t s, Py_ssize_t u) except -1:
    # An LDAPOID's contents b[s:u] must be a numericoid: numbers without
    # leading zeros, two or more, separated by single dots.
    cdef Py_ssize_t i, start = s, arcs = 0
    cdef bint ok = 1
    for i in range(s, u + 1):
        if i == u or b[i] == 0x2E:
            if i == start or (b[start] == 0x30 and i - start > 1):
                ok = 0
                break
            arcs += 1
            start = i + 1
        elif not 0x30 <= b[i] <= 0x39:
            ok = 0
            break
    if ok and arcs >= 2:
        return 0
    _py.check_oid(PyBytes_FromStringAndSize(<const char*>b, u), p, s, u)  # raises, with the message
    return 0


cdef inline object rd_value(const unsigned char* b, Py_ssize_t s, Py_ssize_t u):
    # An attribute value: shared when short (nothing here runs Python code).
    cdef Py_ssize_t n = u - s
    cdef unsigned int h
    cdef PyObject* hit
    if n > SHARE_MAX_LEN:
        return PyBytes_FromStringAndSize(<const char*>b + s, n)
    h = lb_hash_short(b + s, n) & (SHARE_SLOTS - 1)
    hit = _shared[h]
    if hit is not NULL and PyBytes_GET_SIZE(<object>hit) == n and \
            memcmp(PyBytes_AS_STRING(<object>hit), b + s, n) == 0:
        return <object>hit
    v = PyBytes_FromStringAndSize(<const char*>b + s, n)
    cache_put(&_shared[h], v)
    return v


cdef inline object rd_bytes(const unsigned char* b, Py_ssize_t s, Py_ssize_t u):
    return PyBytes_FromStringAndSize(<const char*>b + s, u - s)


cdef inline int rd_null(Py_ssize_t p, Py_ssize_t s, Py_ssize_t u) except -1:
    if u != s:
        raise fail(Rule.PRIMITIVE_LENGTH, "NULL has no content octets", p)
    return 0


cdef inline object enum_value(tuple table, long long v):
    cdef object m
    if 0 <= v < len(table):
        m = table[v]
        if m is not None:
            return m
    return v


cdef tuple extensions(const unsigned char* b, Py_ssize_t s, Py_ssize_t e, frozenset roots):
    # See the Python runtime's extensions(): a root component after an unknown element is out of order.
    cdef Py_ssize_t u
    out = []
    while s < e:
        if out and (b[s] | 0x20) in roots:
            raise fail(Rule.COMPONENT_ORDER, f"a component (tag 0x{b[s]:02x}) after an unknown element: "
                                             "extensions come after every component of the SEQUENCE", s)
        try:
            u = tlv_end(b, s, e)
        except DecodeError as err:
            if err.rule is Rule.TAG_ENCODING:
                raise
            raise fail(Rule.TRAILING_DATA, "bytes that form no element: " + err.message, s) from None
        out.append(PyBytes_FromStringAndSize(<const char*>b + s, u - s))
        s = u
    return tuple(out)


cdef object unknown(const unsigned char* b, Py_ssize_t s, Py_ssize_t e):
    o = lb_alloc(UnknownAlternative)
    lb_set(o, OFF_UNKNOWN_raw, PyBytes_FromStringAndSize(<const char*>b + s, e - s))
    return o


cdef Py_ssize_t OFF_UNKNOWN_raw = lb_slot_offset(UnknownAlternative.raw)
cdef object K_UnknownAlternative = UnknownAlternative
lb_set_default_dealloc(Asn1Object)  # never installed on: it keeps CPython's deallocator
lb_install(UnknownAlternative)


def fast_dealloc_installed(cls):
    """Whether this module's lean deallocator (slots.h) serves ``cls``."""
    return lb_installed(cls)


# -- encoding -------------------------------------------------------------------
# The encoders write back to front: the last component first, each element's
# contents before its header.  A constructed element's length is then known
# when its header is written (the octets written since its mark()), so every
# length is minimal at once, nothing is moved or patched, and the result is
# one copy of the written tail.  The generated encoders visit SEQUENCE
# components and SEQUENCE OF items in reverse order for this.


ctypedef struct Writer:
    unsigned char* buf
    Py_ssize_t cap  # size of buf
    Py_ssize_t pos  # the encoding so far is buf[pos:cap]


cdef int grow(Writer* w, Py_ssize_t k) except -1:
    # Room for k more octets in front of what is written: a buffer at least
    # twice as large, the written tail moved to its end.
    cdef Py_ssize_t used = w.cap - w.pos, cap = w.cap
    cdef unsigned char* nb
    while cap - used < k:
        if cap > PY_SSIZE_T_MAX // 4:
            raise MemoryError()
        cap *= 2
    nb = <unsigned char*>PyMem_Malloc(cap)
    if nb == NULL:
        raise MemoryError()
    memcpy(nb + cap - used, w.buf + w.pos, used)
    PyMem_Free(w.buf)
    w.buf = nb
    w.cap = cap
    w.pos = cap - used
    return 0


cdef inline int reserve(Writer* w, Py_ssize_t k) except -1:
    if w.pos < k:
        grow(w, k)
    return 0


cdef inline Py_ssize_t mark(Writer* w):
    # How much is written: close() takes it to measure an element's contents.
    return w.cap - w.pos


cdef inline void put_header(Writer* w, int tag, Py_ssize_t ln) noexcept:
    # Tag and minimal length in front of ``ln`` content octets; the caller
    # has reserved 10 octets (tag, 0x88 and eight length octets).
    cdef unsigned char* q = w.buf + w.pos
    cdef int k = 0
    if ln < 0x80:
        q -= 1
        q[0] = <unsigned char>ln
    else:
        while ln:
            q -= 1
            q[0] = <unsigned char>(ln & 0xFF)
            ln >>= 8
            k += 1
        q -= 1
        q[0] = <unsigned char>(0x80 | k)
    q -= 1
    q[0] = <unsigned char>tag
    w.pos = q - w.buf


cdef inline int close(Writer* w, int tag, Py_ssize_t m) except -1:
    # The header of the constructed element whose contents began at mark m.
    cdef Py_ssize_t ln = w.cap - w.pos - m
    if ln < 0x80 and w.pos >= 2:
        w.pos -= 2
        w.buf[w.pos] = <unsigned char>tag
        w.buf[w.pos + 1] = <unsigned char>ln
        return 0
    return close_long(w, tag, ln)


cdef int close_long(Writer* w, int tag, Py_ssize_t ln) except -1:
    if ln >> 32:
        raise too_long(ln)
    reserve(w, 10)
    put_header(w, tag, ln)
    return 0


cdef object too_long(Py_ssize_t ln):
    return EncodeError(f"an element of {ln} bytes is longer than 4 GiB - 1")


cdef inline int put_raw(Writer* w, int tag, const char* data, Py_ssize_t n) except -1:
    cdef unsigned char* q
    if n < 0x80 and w.pos >= n + 2:
        q = w.buf + w.pos - n
        lb_copy(q, data, n)
        q -= 2  # the tag and the one length octet, before the contents
        q[1] = <unsigned char>n
        q[0] = <unsigned char>tag
        w.pos -= n + 2
        return 0
    return put_raw_long(w, tag, data, n)


cdef int put_raw_long(Writer* w, int tag, const char* data, Py_ssize_t n) except -1:
    if n > PY_SSIZE_T_MAX - 10:
        raise MemoryError()
    reserve(w, n + 10)
    w.pos -= n
    memcpy(w.buf + w.pos, data, n)
    put_header(w, tag, n)
    return 0


cdef inline bint plain_text(PyObject* v) noexcept:
    return v != NULL and PyUnicode_CheckExact(<object>v) and PyUnicode_IS_COMPACT_ASCII(<object>v)


cdef inline int put_plain_text(Writer* w, int tag, PyObject* v) except -1:
    # Its characters are its UTF-8.
    return put_raw(w, tag, <const char*>PyUnicode_DATA(<object>v), PyUnicode_GET_LENGTH(<object>v))


cdef inline int put_text(Writer* w, int tag, object v) except -1:
    if plain_text(<PyObject*>v):
        return put_plain_text(w, tag, <PyObject*>v)
    return put_text_any(w, tag, v)


cdef int put_text_any(Writer* w, int tag, object v) except -1:
    cdef Py_ssize_t n
    cdef const char* data
    if not PyUnicode_Check(v):
        raise type_error("str", v)
    try:
        data = PyUnicode_AsUTF8AndSize(v, &n)
    except UnicodeEncodeError as exc:  # lone surrogates; other errors pass through
        raise EncodeError(f"not valid Unicode at character {exc.start}") from None
    return put_raw(w, tag, data, n)


cdef inline int put_bytes(Writer* w, int tag, object v) except -1:
    if PyBytes_CheckExact(v):
        return put_raw(w, tag, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v))
    return put_bytes_any(w, tag, v)


cdef int put_bytes_any(Writer* w, int tag, object v) except -1:
    if not isinstance(v, (bytes, bytearray, memoryview)):
        raise type_error("bytes", v)
    v = bytes(v)
    return put_raw(w, tag, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v))


cdef inline int put_bool(Writer* w, int tag, object v) except -1:
    if not PyBool_Check(v):
        raise type_error("bool", v)
    reserve(w, 3)
    w.pos -= 3
    w.buf[w.pos] = <unsigned char>tag
    w.buf[w.pos + 1] = 1
    w.buf[w.pos + 2] = 0xFF if v is True else 0
    return 0


cdef inline int put_null(Writer* w, int tag, object v) except -1:
    if v is not None:
        raise type_error("None", v)
    reserve(w, 2)
    w.pos -= 2
    w.buf[w.pos] = <unsigned char>tag
    w.buf[w.pos + 1] = 0
    return 0


cdef inline long long check_int(object v, long long lo, long long hi) except? -1:
    cdef long long x
    if lb_small_int(v, &x) and lo <= x <= hi:  # an exact int of one digit: no call out
        return x
    return check_int_any(v, lo, hi)


cdef long long check_int_any(object v, long long lo, long long hi) except? -1:
    cdef int overflow = 0
    cdef long long x
    if not PyLong_Check(v) or PyBool_Check(v):
        raise type_error("int", v)
    x = PyLong_AsLongLongAndOverflow(v, &overflow)
    if overflow or x < lo or x > hi:
        raise EncodeError(f"value {v} is outside {lo}..{hi}")
    return x


cdef inline int put_int(Writer* w, int tag, long long v) except -1:
    if 0 <= v < 0x80 and w.pos >= 3:  # one content octet (IDs, enumerations)
        w.pos -= 3
        w.buf[w.pos] = <unsigned char>tag
        w.buf[w.pos + 1] = 1
        w.buf[w.pos + 2] = <unsigned char>v
        return 0
    return put_int_any(w, tag, v)


cdef int put_int_any(Writer* w, int tag, long long v) except -1:
    # Minimal two's complement, least significant octet written first.
    cdef int k = 1
    cdef long long t = v
    cdef unsigned char* q
    while k < 8 and not (-128 <= t < 128):
        t >>= 8
        k += 1
    reserve(w, 2 + k)
    q = w.buf + w.pos
    for _ in range(k):
        q -= 1
        q[0] = <unsigned char>(v & 0xFF)
        v >>= 8
    q -= 2  # the tag and the length octet, before the contents
    q[1] = <unsigned char>k
    q[0] = <unsigned char>tag
    w.pos = q - w.buf
    return 0


# Values read in place.  ``put_*_fast(w, tag, v, ...)`` writes the value
# ``v``, a borrowed pointer to a field (lb_peek) or list item, and returns 1
# when it is an everyday one (an exact str, bytes, bool or small int), copied
# out before any Python code could run; else it writes nothing and returns 0,
# and the generated code reads the value into its own reference (``v``) and
# takes the checking path, as it always did.  Saves a reference count round
# trip per value.

cdef inline int put_text_fast(Writer* w, int tag, PyObject* v) except -1:
    if plain_text(v):
        put_plain_text(w, tag, v)
        return 1
    return 0


cdef inline int put_bytes_fast(Writer* w, int tag, PyObject* v) except -1:
    if v != NULL and PyBytes_CheckExact(<object>v):
        put_raw(w, tag, PyBytes_AS_STRING(<object>v), PyBytes_GET_SIZE(<object>v))
        return 1
    return 0


cdef inline int put_int_fast(Writer* w, int tag, PyObject* v, long long lo, long long hi) except -1:
    cdef long long x
    if v != NULL and lb_small_int(<object>v, &x) and lo <= x <= hi:
        put_int(w, tag, x)
        return 1
    return 0


cdef inline int put_bool_fast(Writer* w, int tag, PyObject* v) except -1:
    if v != NULL and PyBool_Check(<object>v):  # put_bool then runs no Python code
        put_bool(w, tag, <object>v)
        return 1
    return 0


cdef inline int put_extensions_at(Writer* w, object o, Py_ssize_t off) except -1:
    if lb_slot_is(o, off, EMPTY):  # what decoders and constructors store: nothing to write
        return 0
    return put_extensions_any(w, lb_get(o, off))


cdef int check_size(Py_ssize_t n, object lo, object hi) except -1:
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise EncodeError(f"size {n} is outside {lo}..{'MAX' if hi is None else hi}")
    return 0


cdef object layout_alternative(object o, tuple alternatives, str alias):
    # The CHOICE alternative a subclass instance stands for, found on its
    # layout chain (see lb_layout_is in slots.h).
    cls = lb_layout_class(o, alternatives)
    if cls is None:
        raise type_error(f"a {alias} alternative", o)
    return cls


cdef inline object check_list(object v):
    if not isinstance(v, (list, tuple)):
        raise type_error("list", v)
    return v


cdef int put_extensions_any(Writer* w, object exts) except -1:
    cdef Py_ssize_t i
    if type(exts) is tuple and len(<tuple>exts) == 0:
        return 0
    if not isinstance(exts, tuple):
        raise type_error("tuple of bytes", exts)
    for i in range(len(<tuple>exts) - 1, -1, -1):  # back to front, as everything
        put_verbatim(w, (<tuple>exts)[i], "extension")
    return 0


cdef int put_verbatim(Writer* w, object raw, str what) except -1:
    cdef bytes data
    cdef Py_ssize_t n
    if not isinstance(raw, (bytes, bytearray)):
        raise type_error("bytes", raw)
    data = bytes(raw)
    n = len(data)
    try:
        ok = n > 0 and tlv_end(<const unsigned char*>PyBytes_AS_STRING(data), 0, n) == n
    except DecodeError:
        ok = False
    if not ok:
        raise EncodeError(f"{what} is not exactly one valid BER element")
    reserve(w, n)
    w.pos -= n
    memcpy(w.buf + w.pos, PyBytes_AS_STRING(data), n)
    return 0


cdef int order_check(list items, type first, type last) except -1:
    cdef Py_ssize_t i, n = len(items)
    for i in range(n):
        k = type(items[i])
        if (k is first and i != 0) or (k is last and i != n - 1):
            _py.order_check(items, first, last)  # raises the error
    return 0


cdef int put_unknown(Writer* w, object raw, frozenset known) except -1:
    if isinstance(raw, (bytes, bytearray)) and len(raw) and (raw[0] | 0x20) in known:
        raise EncodeError(f"an unknown alternative cannot use the tag 0x{raw[0]:02x} of a known one")
    return put_verbatim(w, raw, "an unknown alternative")


# One Writer is kept between calls (its buffer grows to the largest message
# seen, up to a cap); a nested or concurrent encode gets a fresh one.  A plain
# C struct, not an object: taking and giving it back costs no reference
# counting.
cdef Writer _spare
cdef bint _spare_busy = 0
_spare.cap = 256
_spare.pos = 256
_spare.buf = <unsigned char*>PyMem_Malloc(256)
if _spare.buf == NULL:
    raise MemoryError()


cdef inline Writer* new_writer() except NULL:
    global _spare_busy
    if _spare_busy:
        return fresh_writer()
    _spare_busy = 1
    _spare.pos = _spare.cap
    return &_spare


cdef Writer* fresh_writer() except NULL:
    cdef Writer* w = <Writer*>PyMem_Malloc(sizeof(Writer))
    if w == NULL:
        raise MemoryError()
    w.buf = <unsigned char*>PyMem_Malloc(256)
    if w.buf == NULL:
        PyMem_Free(w)
        raise MemoryError()
    w.cap = w.pos = 256
    return w


cdef inline bytes writer_bytes(Writer* w):
    # The one copy: the written tail into the result.
    return PyBytes_FromStringAndSize(<const char*>w.buf + w.pos, w.cap - w.pos)


cdef inline void release_writer(Writer* w) noexcept:
    global _spare_busy
    if w == &_spare:
        if w.cap > 1 << 20:
            shrink_writer(w)
        _spare_busy = 0
    else:
        PyMem_Free(w.buf)
        PyMem_Free(w)


cdef void shrink_writer(Writer* w) noexcept:
    # Do not keep a huge buffer alive between calls (its contents are spent).
    # A failed shrink keeps the old block, which stays valid.
    cdef void* p = PyMem_Realloc(w.buf, 256)
    if p != NULL:
        w.buf = <unsigned char*>p
        w.cap = 256
    w.pos = w.cap
