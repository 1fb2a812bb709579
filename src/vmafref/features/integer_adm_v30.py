"""libvmaf v3.0.0's fixed-point ADM as the ``v3.0`` libvmaf convention sees it.

Its arithmetic gives the same doubles as f85a8536's C code on every key both write (measured on
the golden clips against a libvmaf v3.0.0 build, specs/conformance.md §4); what differs is the
interface: v3.0.0 (tag v3.0.0, ``libvmaf/src/feature/integer_adm.c:47-90``) has only the options
``debug``, ``adm_enhn_gain_limit``, ``adm_norm_view_dist`` and ``adm_ref_display_height``, and
writes no ``integer_adm3`` and no ``integer_aim`` (added with the v3.2 ADM port, commit 966be8d5).
"""

from __future__ import annotations

from typing import Any

from vmafref.features.extractor import refuse_options_missing_from
from vmafref.features.integer_adm import IntegerAdmExtractor

__all__ = ["IntegerAdmV30Extractor", "V30_OPTIONS", "V32_ONLY_KEYS"]

#: The options libvmaf v3.0.0's ``adm`` declares.
V30_OPTIONS = ("debug", "adm_enhn_gain_limit", "adm_norm_view_dist", "adm_ref_display_height")
#: Output keys (and their option-suffixed forms) that v3.0.0 does not write.
V32_ONLY_KEYS = ("integer_adm3", "integer_aim")


def _written_by_v30(key: str) -> bool:
    return not any(key == name or key.startswith(name + "_") for name in V32_ONLY_KEYS)


class IntegerAdmV30Extractor(IntegerAdmExtractor):
    """:class:`~vmafref.features.integer_adm.IntegerAdmExtractor` with v3.0.0's options and keys."""

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        refuse_options_missing_from("adm", options, list(V30_OPTIONS), "3.0.0", "v3.0")
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        self._keys = [(key, short) for key, short in self._keys if _written_by_v30(key)]
