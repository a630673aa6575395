/* Direct access to the __slots__ of the model's pure-Python classes.
 *
 * Decoders allocate an instance with tp_alloc (no __init__) and store each
 * field at its slot's offset, read once at import from the class's member
 * descriptor.  Encoders read fields the same way, after an isinstance check
 * that guarantees the layout. */
#ifndef LDAPBER_SLOTS_H
#define LDAPBER_SLOTS_H
#include <Python.h>
#include <structmember.h>

static Py_ssize_t lb_slot_offset(PyObject *descr) {
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

static inline PyObject *lb_alloc(PyObject *cls) {
    PyTypeObject *tp = (PyTypeObject *)cls;
    return tp->tp_alloc(tp, 0);
}

static inline void lb_set(PyObject *o, Py_ssize_t off, PyObject *v) {
    PyObject **slot = (PyObject **)((char *)o + off);
    PyObject *old = *slot;
    Py_INCREF(v);
    *slot = v;
    Py_XDECREF(old);
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
#endif
