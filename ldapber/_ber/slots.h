/* Direct access to the __slots__ of the model's pure-Python classes.
 *
 * Decoders allocate an instance with tp_alloc (no __init__) and store each
 * field at its slot's offset, read once at import from the class's member
 * descriptor.  Encoders read fields the same way, after an isinstance check
 * that guarantees the layout. */
#ifndef LDAPBER_SLOTS_H
#define LDAPBER_SLOTS_H
#include <Python.h>
#include <stdint.h>
#include <structmember.h>
#include <string.h>

/* memcpy through a pointer the compiler cannot see through: inlined into
 * the encoders' loops, gcc -O3 expands memcpy of a variable size into
 * `rep movsq`, whose start-up cost doubled the time to encode many short
 * values.  The library call is fast for every size. */
static void *(*volatile lb_memcpy)(void *, const void *, size_t) = memcpy;

/* Copy between two buffers that do not overlap.  Most values an LDAP
 * encoder copies are a few bytes long; for up to 16 two overlapping
 * fixed-size moves do it without a call. */
static inline void lb_copy(void *dst, const void *src, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (n > 16) {
        lb_memcpy(d, s, n);
    } else if (n >= 8) {
        uint64_t head, tail;
        memcpy(&head, s, 8);
        memcpy(&tail, s + n - 8, 8);
        memcpy(d, &head, 8);
        memcpy(d + n - 8, &tail, 8);
    } else if (n >= 4) {
        uint32_t head, tail;
        memcpy(&head, s, 4);
        memcpy(&tail, s + n - 4, 4);
        memcpy(d, &head, 4);
        memcpy(d + n - 4, &tail, 4);
    } else if (n) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

/* A hash of a short key (at most 64 bytes) in constant time, for the
 * decoders' small caches of repeated values: its length and its first and
 * last eight bytes (overlapping for shorter keys), mixed by multiplication.
 * Keys that differ only in the middle collide, which costs a cache miss,
 * never a wrong result (a hit is confirmed by comparing the bytes). */
static inline uint32_t lb_hash_short(const unsigned char *p, size_t n) {
    uint64_t head, tail;
    if (n >= 8) {
        memcpy(&head, p, 8);
        memcpy(&tail, p + n - 8, 8);
    } else if (n >= 4) {
        uint32_t h4, t4;
        memcpy(&h4, p, 4);
        memcpy(&t4, p + n - 4, 4);
        head = h4;
        tail = t4;
    } else {
        head = n ? ((uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1]) : 0;
        tail = 0;
    }
    uint64_t h = (head ^ (uint64_t)n << 56) * 0x9E3779B97F4A7C15ull;
    h ^= tail * 0xC2B2AE3D27D4EB4Full;
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

/* The value of an int of at most one 30-bit digit, read from the object
 * (CPython 3.11's layout, which int subclasses such as IntEnum members
 * share), for the encoders' range checks; 0 means "not such an int" (bool
 * included, which the encoders refuse): the caller takes the general path. */
static inline int lb_small_int(PyObject *v, long long *out) {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && PYLONG_BITS_IN_DIGIT == 30
    if (PyLong_CheckExact(v) || (PyLong_Check(v) && !PyBool_Check(v))) {
        Py_ssize_t size = Py_SIZE(v);
        if (size == 0 || size == 1 || size == -1) {
            *out = size * (long long)((PyLongObject *)v)->ob_digit[0];
            return 1;
        }
    }
#else
    (void)v;
    (void)out;
#endif
    return 0;
}

/* A packed slot's descriptor (see "Packed value lists" below). */
typedef struct {
    PyObject_HEAD
    PyObject *member;  /* the slot's member descriptor, which does the checks and the storing */
    Py_ssize_t offset;
} lb_packed_descr;

static PyTypeObject *lb_packed_descr_kind = NULL;  /* the packed-slot descriptor type, once made */

static Py_ssize_t lb_slot_offset(PyObject *descr) {
    if (descr != NULL && lb_packed_descr_kind != NULL && Py_IS_TYPE(descr, lb_packed_descr_kind))
        descr = ((lb_packed_descr *)descr)->member;
    if (descr == NULL || !PyObject_TypeCheck(descr, &PyMemberDescr_Type)) {
        PyErr_SetString(PyExc_TypeError, "ldapber: expected a __slots__ member descriptor");
        return -1;
    }
    PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
    if (m->type != T_OBJECT_EX) {
        PyErr_SetString(PyExc_TypeError, "ldapber: unexpected slot type");
        return -1;
    }
    return m->offset;
}

/* Fast deallocation and reuse of model objects.
 *
 * A decoded message is a tree of slotted instances; CPython's generic
 * subtype_dealloc walks every class of the MRO to clear slots and costs
 * several times the allocation.  The model classes are simple enough for a
 * lean deallocator: only object slots, no __dict__, no __weakref__, no
 * finalizer, so the slots are exactly the pointers between the object header
 * and tp_basicsize.  lb_install() checks that layout and only then replaces
 * tp_dealloc; anything else keeps CPython's.
 *
 * Freed instances of installed classes go to small freelists, one per slot
 * count (objects with the same count have the same memory size), and
 * lb_alloc() reuses them.  Subclass instances (a user's subclass reaches
 * lb_dealloc through subtype_dealloc) are cleared and freed, never reused. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030E0000 && !defined(Py_GIL_DISABLED) && \
    !defined(PYPY_VERSION)
/* 3.11 to 3.13: the versions whose deallocation protocol this was checked against. */
#define LB_FAST_DEALLOC 1
#else
#define LB_FAST_DEALLOC 0
#endif

#define LB_FREELIST_KINDS 16   /* slot counts 1..15 */
#define LB_FREELIST_DEPTH 256  /* objects kept per slot count */

#if LB_FAST_DEALLOC  /* the free lists serve the lean deallocator only */
static PyObject *lb_freelist[LB_FREELIST_KINDS][LB_FREELIST_DEPTH];
static int lb_freelist_len[LB_FREELIST_KINDS];
#endif

static inline Py_ssize_t lb_slot_count(PyTypeObject *tp) {
    return (tp->tp_basicsize - (Py_ssize_t)sizeof(PyObject)) / (Py_ssize_t)sizeof(PyObject *);
}

static void lb_dealloc(PyObject *self);

#if LB_FAST_DEALLOC
static void lb_dealloc(PyObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    PyTypeObject *own = tp;  /* the installed class whose layout we clear */
    while (own->tp_dealloc != lb_dealloc) {
        own = own->tp_base;
    }
    if (tp == own && tp->tp_finalize != NULL) {
        /* __del__ assigned after lb_install(): run it as CPython would. */
        if (PyObject_CallFinalizerFromDealloc(self) < 0)
            return;  /* resurrected */
    }
    PyObject_GC_UnTrack(self);
    Py_TRASHCAN_BEGIN(self, lb_dealloc)
    PyObject **slot = (PyObject **)((char *)self + sizeof(PyObject));
    PyObject **end = (PyObject **)((char *)self + own->tp_basicsize);
    for (; slot < end; slot++) {
        Py_CLEAR(*slot);
    }
    Py_ssize_t kind = lb_slot_count(own);
    if (tp == own && tp->tp_finalize == NULL && kind < LB_FREELIST_KINDS &&
            lb_freelist_len[kind] < LB_FREELIST_DEPTH) {
        lb_freelist[kind][lb_freelist_len[kind]++] = self;
    } else {
        /* (For a subclass instance, subtype_dealloc has cleared the
         * subclass's own slots, dict and weakrefs and leaves the type's
         * reference to us.) */
        tp->tp_free(self);
    }
    Py_DECREF(tp);
    Py_TRASHCAN_END
}
#endif

/* Decoded trees and the cyclic garbage collector.
 *
 * A decoded message is a tree: it cannot hold a reference cycle, so the
 * collector has nothing to find in it, yet every one of its objects would
 * cost a visit in each collection that sees it (and, many at once, trigger
 * full collections of the caller's whole heap).  The decoders therefore
 * build model objects and lists untracked, and track only what Python code
 * can reach:
 *
 *   - the root, when an entry point returns it (lb_expose);
 *   - a list or model object read from a slot of a model object: the
 *     classes' tp_getattro (lb_getattro) tracks it before handing it out,
 *     and a list's items with it, since iterating the list reaches them.
 *
 * So the tracked part of a tree is always closed upwards (a tracked
 * object's parent is tracked) and holds every object Python code has had a
 * reference to, through the documented attributes.  A cycle is made only by
 * storing a reference into an object one holds, hence a tracked one, and
 * runs from it down the tree to the object stored; every object on the way
 * down was reached by Python code, hence is tracked: the collector sees the
 * whole cycle.  Untracked objects are never mutated, so never in a cycle.
 * (Reading a slot behind the model's back, through gc.get_referents or
 * the raw member descriptor, hands out an untracked object; a cycle built
 * through it is then not collected: a leak, never a crash.)
 *
 * The hook costs an attribute read a test, and CPython 3.11's specialised
 * slot reads, which only apply to the generic tp_getattro. */
static int lb_untracked_ok = LB_FAST_DEALLOC;  /* every class this module installed took the hook */

static void lb_expose(PyObject *v);

static PyObject *lb_getattro(PyObject *self, PyObject *name) {
    PyObject *r = PyObject_GenericGetAttr(self, name);
    if (r != NULL && PyObject_IS_GC(r) && !PyObject_GC_IsTracked(r)) {
        if (!PyObject_GC_IsTracked(self))  /* reached behind the model's back */
            PyObject_GC_Track(self);
        lb_expose(r);
    }
    return r;
}

/* Track ``v`` if it is an untracked list or model object of a decoded tree,
 * with a list's items (which iterating it reaches); any other object is
 * left as CPython keeps it. */
static void lb_expose(PyObject *v) {
    if (!PyObject_IS_GC(v) || PyObject_GC_IsTracked(v))
        return;
    if (PyList_CheckExact(v)) {
        PyObject_GC_Track(v);
        Py_ssize_t i, n = PyList_GET_SIZE(v);
        for (i = 0; i < n; i++)
            lb_expose(PyList_GET_ITEM(v, i));
    } else if (Py_TYPE(v)->tp_getattro == lb_getattro) {
        PyObject_GC_Track(v);
    }
}

/* CPython's deallocator of heap types (subtype_dealloc, not exported),
 * read from a plain model base class by lb_set_default_dealloc(). */
static destructor lb_default_dealloc = NULL;

static int lb_set_default_dealloc(PyObject *plain_heap_class) {
    if (!PyType_Check(plain_heap_class)) {
        PyErr_SetString(PyExc_TypeError, "ldapber: expected a class");
        return -1;
    }
    lb_default_dealloc = ((PyTypeObject *)plain_heap_class)->tp_dealloc;
    return 0;
}

/* Install lb_dealloc on a model class if its layout allows it and it still
 * has CPython's deallocator (another extension module may have installed
 * its own first: that one keeps it); returns 1 if installed here. */
static int lb_install_layout(PyObject *cls);

/* lb_install_layout, and if a class is refused, no tree is built untracked
 * (its lists would sit untracked under an object without the hook). */
static int lb_install(PyObject *cls) {
    int done = lb_install_layout(cls);
    if (done <= 0)
        lb_untracked_ok = 0;
    return done;
}

static int lb_install_layout(PyObject *cls) {
#if LB_FAST_DEALLOC
    PyTypeObject *tp = (PyTypeObject *)cls;
    if (!PyType_Check(cls) || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) || !PyType_IS_GC(tp))
        return 0;
    if (tp->tp_dealloc == lb_dealloc)
        return 1;
    if (lb_default_dealloc == NULL || tp->tp_dealloc != lb_default_dealloc)
        return 0;
    if (tp->tp_finalize || tp->tp_del || tp->tp_weaklistoffset || tp->tp_dictoffset || tp->tp_itemsize)
        return 0;
    if (tp->tp_basicsize < (Py_ssize_t)sizeof(PyObject) ||
            (tp->tp_basicsize - (Py_ssize_t)sizeof(PyObject)) % (Py_ssize_t)sizeof(PyObject *))
        return 0;
    /* Every class of the MRO must be a slots-only heap class with CPython's
     * deallocator, or object itself. */
    Py_ssize_t covered = 0;
    for (PyTypeObject *b = tp; b != NULL && b != &PyBaseObject_Type; b = b->tp_base) {
        if (!(b->tp_flags & Py_TPFLAGS_HEAPTYPE) || b->tp_dictoffset || b->tp_weaklistoffset)
            return 0;
        PyMemberDef *m = b->tp_members;
        for (; m != NULL && m->name != NULL; m++) {
            if (m->type != T_OBJECT_EX || m->offset < (Py_ssize_t)sizeof(PyObject) ||
                    m->offset >= tp->tp_basicsize)
                return 0;
            covered++;
        }
    }
    if (covered != lb_slot_count(tp))
        return 0;
    if (tp->tp_getattro != PyObject_GenericGetAttr && tp->tp_getattro != lb_getattro)
        return 0;  /* a class with its own attribute lookup */
    tp->tp_dealloc = lb_dealloc;
    tp->tp_getattro = lb_getattro;
    PyType_Modified(tp);  /* drop specialisations made for the generic lookup */
    return 1;
#else
    (void)cls;
    return 0;
#endif
}

static int lb_installed(PyObject *cls) {
#if LB_FAST_DEALLOC
    return PyType_Check(cls) && ((PyTypeObject *)cls)->tp_dealloc == lb_dealloc;
#else
    (void)cls;
    return 0;
#endif
}

/* A new instance of ``cls`` for a decoder: untracked when the class has the
 * hook (see lb_expose), else tracked as usual. */
static inline PyObject *lb_alloc(PyObject *cls) {
    PyTypeObject *tp = (PyTypeObject *)cls;
#if LB_FAST_DEALLOC
    PyObject *o;
    if (tp->tp_dealloc == lb_dealloc) {
        Py_ssize_t kind = lb_slot_count(tp);
        if (kind < LB_FREELIST_KINDS && lb_freelist_len[kind] > 0) {
            o = lb_freelist[kind][--lb_freelist_len[kind]];
            PyObject_Init(o, tp);  /* type (and its reference), refcount 1; untracked since its dealloc */
            if (!lb_untracked_ok)
                PyObject_GC_Track(o);
            return o;
        }
        o = tp->tp_alloc(tp, 0);
        if (o != NULL && lb_untracked_ok)
            PyObject_GC_UnTrack(o);
        return o;
    }
#endif
    return tp->tp_alloc(tp, 0);
}

/* Whether the decoders leave lists untracked (see lb_expose). */
static inline int lb_lists_untracked(void) {
    return lb_untracked_ok;
}

/* Whether ``o``'s memory layout is that of ``cls`` or extends it: walks
 * tp_base, the layout chain, not the MRO (which a metaclass can rewrite, so
 * isinstance() could vouch for a layout the object does not have). */
static inline int lb_layout_is(PyObject *o, PyObject *cls) {
    PyTypeObject *t = Py_TYPE(o);
    while (t != NULL) {
        if (t == (PyTypeObject *)cls)
            return 1;
        t = t->tp_base;
    }
    return 0;
}

/* The first class on ``o``'s layout chain that is one of the tuple
 * ``classes`` (by identity), as a new reference, or None.  No Python code
 * runs (a set lookup would call a metaclass's __hash__/__eq__, which could
 * retype ``o`` and free the class being walked, or make a class that is no
 * alternative pass for one). */
static PyObject *lb_layout_class(PyObject *o, PyObject *classes) {
    PyTypeObject *t = Py_TYPE(o);
    Py_ssize_t i, n = PyTuple_GET_SIZE(classes);
    while (t != NULL) {
        for (i = 0; i < n; i++) {
            if ((PyObject *)t == PyTuple_GET_ITEM(classes, i)) {
                Py_INCREF(t);
                return (PyObject *)t;
            }
        }
        t = t->tp_base;
    }
    Py_RETURN_NONE;
}

static inline void lb_set(PyObject *o, Py_ssize_t off, PyObject *v) {
    PyObject **slot = (PyObject **)((char *)o + off);
    PyObject *old = *slot;
    Py_INCREF(v);
    *slot = v;
    Py_XDECREF(old);
}

/* The field at ``off`` as a borrowed reference, NULL when it is unset.  The
 * encoders use it only where no Python code runs before they are done with
 * it (an exact str, bytes or int copied out at once); anywhere else they
 * take a reference with lb_get, so user code cannot free it under them. */
static inline PyObject *lb_peek(PyObject *o, Py_ssize_t off) {
    return *(PyObject **)((char *)o + off);
}

/* Whether the field at ``off`` is the object ``v`` (None, False). */
static inline int lb_slot_is(PyObject *o, Py_ssize_t off, PyObject *v) {
    return *(PyObject **)((char *)o + off) == v;
}

/* ``o``'s class, borrowed: ``o`` holds a reference to it. */
static inline PyObject *lb_type(PyObject *o) {
    return (PyObject *)Py_TYPE(o);
}

static inline PyObject *lb_get(PyObject *o, Py_ssize_t off) {
    PyObject *v = *(PyObject **)((char *)o + off);
    if (v == NULL) {
        PyErr_SetString(PyExc_AttributeError, "ldapber: a field of the object is not set");
        return NULL;
    }
    Py_INCREF(v);
    return v;
}

/* Packed value lists.
 *
 * Most attributes of a decoded entry hold one value, and a one-item list
 * costs 80 bytes of memory besides the value itself: nearly half of what a
 * decoded entry holds.  A decoder therefore stores a lone value (an exact
 * bytes) straight in a "packed" slot (PartialAttribute.vals), and the slot's
 * descriptor, which lb_pack_slot() puts in place of the member descriptor,
 * makes the list at the first read, stores it in the slot and hands it out:
 * code only ever sees a list, the same one at every read, which it may
 * change.  The encoders take a bare value as its one-item list without
 * making it.
 *
 * So that a bare bytes in such a slot always means "packed", the descriptor
 * stores an exact bytes that code assigns (a mistake: a list is expected)
 * and an exact one-tuple (which may be meant) inside a one-tuple of their
 * own, a form no decoder produces, and reads them back as the very object
 * assigned; the encoders unwrap it, and refuse a bytes as they refuse any.
 * Every way to the attribute goes through the descriptor (getattr,
 * object.__getattribute__, object.__setattr__, copy, pickle); only
 * gc.get_referents shows the stored form. */
#if LB_FAST_DEALLOC  /* with the other layout hooks, on the versions they were checked on */
static PyObject *lb_packed_get(PyObject *self, PyObject *obj, PyObject *type) {
    lb_packed_descr *d = (lb_packed_descr *)self;
    if (obj == NULL || obj == Py_None) {
        Py_INCREF(self);
        return self;  /* read on the class */
    }
    PyObject *r = NULL;
    for (int attempt = 0; attempt < 8; attempt++) {
        r = Py_TYPE(d->member)->tp_descr_get(d->member, obj, type);
        if (r == NULL || !PyBytes_CheckExact(r))
            break;
        /* A packed lone value: its list, from now on.  Making the list may
         * collect, and so run code that reads the attribute itself: then the
         * slot holds that read's list, which is the one to hand out. */
        PyObject **slot = (PyObject **)((char *)obj + d->offset);
        PyObject *list = PyList_New(1);
        if (list == NULL) {
            Py_DECREF(r);
            return NULL;
        }
        Py_INCREF(r);
        PyList_SET_ITEM(list, 0, r);
        if (*slot == r) {
            Py_INCREF(list);
            *slot = list;
            Py_DECREF(r);  /* the slot's reference */
            Py_DECREF(r);  /* ours, the list holds it */
            r = list;
            break;
        }
        Py_DECREF(list);
        Py_DECREF(r);
        r = NULL;  /* read again */
    }
    if (r == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "ldapber: a packed slot kept changing while it was read");
        return NULL;
    }
    if (PyTuple_CheckExact(r) && PyTuple_GET_SIZE(r) == 1) {  /* what code assigned, kept in a one-tuple */
        PyObject *v = PyTuple_GET_ITEM(r, 0);
        Py_INCREF(v);
        Py_DECREF(r);
        r = v;
    }
    if (PyObject_IS_GC(obj) && !PyObject_GC_IsTracked(obj))
        PyObject_GC_Track(obj);  /* as lb_getattro does, for every way here: closed upwards */
    if (PyObject_IS_GC(r) && !PyObject_GC_IsTracked(r))
        lb_expose(r);
    return r;
}

static PyObject *lb_packed_member_attr(PyObject *self, void *name) {
    return PyObject_GetAttrString(((lb_packed_descr *)self)->member, (const char *)name);
}

static PyGetSetDef lb_packed_getset[] = {  /* what introspection reads of a member descriptor */
    {"__name__", lb_packed_member_attr, NULL, NULL, "__name__"},
    {"__qualname__", lb_packed_member_attr, NULL, NULL, "__qualname__"},
    {"__objclass__", lb_packed_member_attr, NULL, NULL, "__objclass__"},
    {NULL, NULL, NULL, NULL, NULL},
};

static int lb_packed_set(PyObject *self, PyObject *obj, PyObject *value) {
    lb_packed_descr *d = (lb_packed_descr *)self;
    descrsetfunc set = Py_TYPE(d->member)->tp_descr_set;
    if (value != NULL && (PyBytes_CheckExact(value) || (PyTuple_CheckExact(value) && PyTuple_GET_SIZE(value) == 1))) {
        PyObject *kept = PyTuple_Pack(1, value);
        if (kept == NULL)
            return -1;
        int rc = set(d->member, obj, kept);
        Py_DECREF(kept);
        return rc;
    }
    return set(d->member, obj, value);
}

static void lb_packed_dealloc(PyObject *self) {
    Py_XDECREF(((lb_packed_descr *)self)->member);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *lb_packed_repr(PyObject *self) {
    return PyUnicode_FromFormat("<ldapber packed slot %R>", ((lb_packed_descr *)self)->member);
}

static PyTypeObject lb_packed_descr_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ldapber.packed_slot",
    .tp_basicsize = sizeof(lb_packed_descr),
    .tp_dealloc = lb_packed_dealloc,
    .tp_repr = lb_packed_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A slot that may hold a lone value bare: read, it is always a list (ldapber's slots.h).",
    .tp_descr_get = lb_packed_get,
    .tp_descr_set = lb_packed_set,
    .tp_getset = lb_packed_getset,
};
#endif

/* Put the packed descriptor on the slot at ``off`` of ``cls`` (the class
 * that declares it; its subclasses inherit the descriptor): 1 if done, and
 * only then may the decoders and encoders use the packed form of that slot;
 * 0 if refused; -1 with an exception. */
static int lb_pack_slot(PyObject *cls, Py_ssize_t off) {
#if LB_FAST_DEALLOC
    PyTypeObject *tp = (PyTypeObject *)cls;
    if (!PyType_Check(cls) || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE))
        return 0;
    if (PyType_Ready(&lb_packed_descr_type) < 0)
        return -1;
    lb_packed_descr_kind = &lb_packed_descr_type;
    for (PyMemberDef *m = tp->tp_members; m != NULL && m->name != NULL; m++) {  /* the slots it declares */
        if (m->offset != off || m->type != T_OBJECT_EX)
            continue;
        PyObject *found = PyDict_GetItemString(tp->tp_dict, m->name);  /* borrowed */
        if (found == NULL || !Py_IS_TYPE(found, &PyMemberDescr_Type) ||
                ((PyMemberDescrObject *)found)->d_member->offset != off)
            return 0;  /* not a plain slot any more */
        lb_packed_descr *d = PyObject_New(lb_packed_descr, &lb_packed_descr_type);
        if (d == NULL)
            return -1;
        Py_INCREF(found);
        d->member = found;
        d->offset = off;
        int rc = PyObject_SetAttrString(cls, m->name, (PyObject *)d);
        Py_DECREF(d);
        return rc < 0 ? -1 : 1;
    }
#else
    (void)cls;
    (void)off;
#endif
    return 0;
}
#endif
