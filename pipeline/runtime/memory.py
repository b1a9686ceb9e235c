"""The build process's memory: freed memory handed back to the system.

A build reads a run's tables back and frees them phase after phase; memory the
allocators keep is still counted as the process's (RSS), and a 100 MB build
peaked hundreds of MB above what it held. Two allocators keep it: Arrow's
default pool (mimalloc in this project's pyarrow wheels), and glibc's heap, where the freed pages sit between
live objects until `malloc_trim` releases them.
"""
from __future__ import annotations

import ctypes
import os
import sys
from functools import cache


@cache
def use_returning_memory_pool() -> None:
    """Arrow's jemalloc pool for the allocations made from Python, where this pyarrow
    has it and the user chose no pool (ARROW_DEFAULT_MEMORY_POOL). The CLI sets that
    variable before pyarrow is loaded, which also covers Arrow's own allocations: the
    default mimalloc pool kept what the row groups written and the tables read back
    had used (a 100 MB build peaked ~130 MB higher). This is the fallback for a
    build started from Python."""
    import pyarrow as pa

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (NotImplementedError, pa.ArrowNotImplementedError):
        pass


@cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc; absent from musl
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Give the heap's free pages back to the system (glibc), after a phase that freed
    much: the next phase then starts from what is live, not from the last peak."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
