"""What depends on the Python running the tests: markers for the tests of
features that exist only on some CPython versions."""

from __future__ import annotations

import sys
import sysconfig

import pytest

#: The compiled backend's lean deallocator and lazy GC tracking are built for
#: the CPython versions whose object protocol slots.h was checked against
#: (3.11 to 3.13, with the GIL: LB_FAST_DEALLOC); elsewhere objects are
#: freed and tracked as usual.
fast_dealloc_built = pytest.mark.skipif(
    not ((3, 11) <= sys.version_info[:2] <= (3, 13)) or bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    reason="the lean deallocator and lazy GC tracking are built for CPython 3.11-3.13 with the GIL only")

#: The asyncio server upgrades a connection with StreamWriter.start_tls (3.11+);
#: on 3.10 it answers StartTLS with unavailable (clients' StartTLS works there).
server_starttls = pytest.mark.skipif(sys.version_info < (3, 11),
                                     reason="the server's StartTLS needs Python 3.11 (StreamWriter.start_tls)")
