"""vmafref: a reproducible reference implementation of libvmaf and tiny VMAF networks."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
