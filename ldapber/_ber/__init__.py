"""Hand-written BER primitives that the generated codecs call.

``pyruntime`` is the pure-Python runtime; ``cruntime.pxi`` is its Cython twin,
included into each generated extension module.  Both implement the same rules
with the same error offsets, and the test-suite checks that they agree.
"""
