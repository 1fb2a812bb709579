"""Measure this CPU's ``rcpss`` estimate table and print it as ``_float_rcp_table.py`` stores it.

libvmaf's float ADM divides through the SSE ``rcpss`` estimate (``adm_tools.c:38-53``), which
x86 leaves unspecified below 1.5 * 2**-12 relative error, so each CPU family has its own table
(specs/float_adm.md §4). This tool compiles a small C program with the system compiler, asks the
CPU for ``rcpss(1.m)`` at all 2**23 mantissas, finds how many leading mantissa bits the estimate
depends on, checks that the exponent only reflects (``rcpss(1.m * 2**e)`` has the mantissa of
``rcpss(1.m)`` and the exponent ``-e - 1``) and prints the table, zlib-compressed and
base64-encoded, with its sha256::

    python tools/measure_rcpss.py [--cc cc] [--json] [--libvmaf-archive path/to/libvmaf.a]

With ``--libvmaf-archive`` (the static library a libvmaf build leaves, ``build/src/libvmaf.a``)
it also links a small harness against libvmaf's own ``adm_decouple_s`` (``adm_tools.c``), runs it
on random wavelet bands, and counts, per shipped family, the values where vmafref's decoupling
(restored and additive bands) differs: the family that matches this CPU should count zero.

Run it on a CPU of the family whose libvmaf numbers you want to reproduce, and compare the
printed sha256 with the tables vmafref ships (``vmafref.features._float_rcp_table.RCP_TABLES``).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import zlib

import numpy as np

_VALUES_PROGRAM = r"""
#include <immintrin.h>
#include <stdio.h>

int main(void) {
    float x;
    while (fread(&x, 4, 1, stdin) == 1) {
        float r = _mm_cvtss_f32(_mm_rcp_ss(_mm_set_ss(x)));
        fwrite(&r, 4, 1, stdout);
    }
    return 0;
}
"""

_DECOUPLE_HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>

typedef struct { float *band_a, *band_v, *band_h, *band_d; } bands_t;  /* adm_dwt_band_t_s */
void adm_decouple_s(const bands_t *ref, const bands_t *dis, const bands_t *r, const bands_t *a, int w, int h,
                    int ref_stride, int dis_stride, int r_stride, int a_stride, double border_factor,
                    double adm_enhn_gain_limit);

int main(int argc, char **argv) {
    int w = atoi(argv[1]), h = atoi(argv[2]);
    size_t n = (size_t)w * h;
    float *in = malloc(sizeof(float) * n * 8), *out = calloc(n * 6, sizeof(float));
    if (fread(in, sizeof(float), n * 8, stdin) != n * 8) return 1;
    bands_t ref = {in, in + n, in + 2 * n, in + 3 * n}, dis = {in + 4 * n, in + 5 * n, in + 6 * n, in + 7 * n};
    bands_t r = {0, out, out + n, out + 2 * n}, a = {0, out + 3 * n, out + 4 * n, out + 5 * n};
    adm_decouple_s(&ref, &dis, &r, &a, w, h, w * 4, w * 4, w * 4, w * 4, 0.1, 100.0);
    fwrite(out, sizeof(float), n * 6, stdout);
    return 0;
}
"""

_PROGRAM = r"""
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t rcp_bits(uint32_t bits) {
    float x, r;
    uint32_t out;
    memcpy(&x, &bits, 4);
    r = _mm_cvtss_f32(_mm_rcp_ss(_mm_set_ss(x)));
    memcpy(&out, &r, 4);
    return out;
}

int main(void) {
    uint32_t m, e;
    long mismatches = 0;
    for (m = 0; m < (1u << 23); m++) {
        uint32_t out = rcp_bits((127u << 23) | m);
        fwrite(&out, 4, 1, stdout);
    }
    /* Exponent reflection: every normal input whose reciprocal is normal, on a stride of mantissas. */
    for (e = 1; e <= 252; e++)
        for (m = 0; m < (1u << 23); m += 4099) {
            uint32_t one = rcp_bits((127u << 23) | m), out = rcp_bits((e << 23) | m);
            if ((out & 0x7fffffu) != (one & 0x7fffffu) || (out >> 23) != 253u - e) mismatches++;
        }
    fprintf(stderr, "%ld\n", mismatches);
    return 0;
}
"""


def _compile_and_run(program: str, cc: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="vmafref-rcpss-") as work:
        source, binary = os.path.join(work, "rcpss.c"), os.path.join(work, "rcpss")
        with open(source, "w") as handle:
            handle.write(program)
        subprocess.run([cc, "-O1", "-msse2", source, "-o", binary], check=True)
        return subprocess.run([binary], input=stdin, check=True, capture_output=True)


def measure(cc: str = "cc") -> tuple[np.ndarray, int]:
    """(``rcpss(1.m)`` bit patterns for all mantissas ``m``, exponent-reflection mismatches)."""
    done = _compile_and_run(_PROGRAM, cc)
    return np.frombuffer(done.stdout, dtype="<u4"), int(done.stderr.decode().strip())


def cpu_rcpss(values: np.ndarray, cc: str = "cc") -> np.ndarray:
    """This CPU's ``rcpss`` of each float32 in ``values``."""
    data = np.ascontiguousarray(values, dtype="<f4").tobytes()
    return np.frombuffer(_compile_and_run(_VALUES_PROGRAM, cc, data).stdout, dtype="<f4")


def cpu_family(cc: str = "cc", samples: int = 100_000, seed: int = 0) -> str | None:
    """The shipped ``rcpss`` family (``RCP_TABLES``) whose estimates this CPU returns at
    ``samples`` seeded random inputs, or ``None`` when none matches or nothing can be measured
    (no C compiler, not x86-64)."""
    from vmafref.features._float_rcp_table import RCP_TABLES
    from vmafref.features.float_adm import rcpss_estimate

    values = np.random.default_rng(seed).uniform(1e-3, 1e3, samples).astype(np.float32)
    try:
        got = cpu_rcpss(values, cc)
    except (OSError, subprocess.CalledProcessError):
        return None
    for family in RCP_TABLES:
        if np.array_equal(np.asarray(rcpss_estimate(values, family)).view(np.uint32), got.view(np.uint32)):
            return family
    return None


def decoupling_mismatches(archive: str, cc: str = "cc", width: int = 200, height: int = 150,
                          seed: int = 7) -> dict[str, tuple[int, int]]:
    """Per family: (values where vmafref's decoupling differs from libvmaf's, values compared)."""
    import jax.numpy as jnp

    from vmafref.features._float_common import Arith
    from vmafref.features._float_rcp_table import RCP_TABLES
    from vmafref.features.float_adm import _decouple

    rng = np.random.default_rng(seed)
    counts = {family: [0, 0] for family in RCP_TABLES}
    with tempfile.TemporaryDirectory(prefix="vmafref-decouple-") as work:
        source, binary = os.path.join(work, "decouple.c"), os.path.join(work, "decouple")
        with open(source, "w") as handle:
            handle.write(_DECOUPLE_HARNESS)
        subprocess.run([cc, "-O1", source, archive, "-lm", "-lpthread", "-o", binary], check=True)
        for scale in (1e-3, 1.0, 30.0, 300.0):
            ref = (rng.standard_normal((4, height, width)) * scale).astype(np.float32)
            gain = rng.uniform(0.2, 1.3, (4, height, width))
            dis = (ref * gain + rng.standard_normal((4, height, width)) * scale * 0.2).astype(np.float32)
            stdin = np.concatenate([ref, dis]).tobytes()
            done = subprocess.run([binary, str(width), str(height)], input=stdin, check=True, capture_output=True)
            want = np.frombuffer(done.stdout, np.float32).reshape(6, height, width)  # r v,h,d then a v,h,d
            # adm_decouple_s writes only its region (the score region widened by the filter taps).
            left, top = max(int(width * 0.1 - 0.5 - 1), 0), max(int(height * 0.1 - 0.5 - 1), 0)
            right, bottom = min(width - left + 2, width), min(height - top + 2, height)
            region = (slice(None), slice(top, bottom), slice(left, right))
            ref_bands, dis_bands = tuple(jnp.asarray(b) for b in ref), tuple(jnp.asarray(b) for b in dis)
            for family in RCP_TABLES:
                (rh, rv, rd), (ah, av, ad) = _decouple(ref_bands, dis_bands, Arith(ref_bands[1], True), 100.0, family)
                got = np.stack([np.asarray(x) for x in (rv, rh, rd, av, ah, ad)])
                counts[family][0] += int(np.sum(got[region] != want[region]))
                counts[family][1] += int(want[region].size)
    return {family: (bad, total) for family, (bad, total) in counts.items()}


def leading_bits(results: np.ndarray) -> int:
    """The fewest leading mantissa bits that determine the estimate."""
    mantissas = np.arange(1 << 23, dtype=np.uint32)
    for bits in range(1, 24):
        if np.array_equal(results, results[mantissas & ~np.uint32((1 << (23 - bits)) - 1)]):
            return bits
    return 23


def measured_table(results: np.ndarray) -> tuple[int, np.ndarray, str]:
    """(leading bits, ``rcpss(1.m)`` mantissa table, its sha256 as little-endian uint32) of a :func:`measure`."""
    bits = leading_bits(results)
    table = results[:: 1 << (23 - bits)] & np.uint32(0x7FFFFF)
    return bits, table, hashlib.sha256(table.astype("<u4").tobytes()).hexdigest()


def encode(table: np.ndarray) -> str:
    """The table as ``_float_rcp_table.py`` stores it: mantissa bits 8..22 as little-endian uint16."""
    return base64.b64encode(zlib.compress((table >> 8).astype("<u2").tobytes(), 9)).decode()


def _shipped_tables() -> dict:
    try:
        from vmafref.features._float_rcp_table import RCP_TABLES
    except ImportError:  # vmafref not installed: the measurement alone
        return {}
    return RCP_TABLES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cc", default="cc", help="C compiler (default: cc)")
    parser.add_argument("--json", action="store_true", help="print a JSON record instead of text")
    parser.add_argument("--libvmaf-archive", metavar="LIBVMAF_A",
                        help="also check vmafref's decoupling against this libvmaf static library's adm_decouple_s")
    args = parser.parse_args(argv)
    if platform.machine().lower() not in ("x86_64", "amd64"):
        print("error: rcpss is an x86 instruction; this machine is " + platform.machine(), file=sys.stderr)
        return 2
    results, mismatches = measure(args.cc)
    bits, table, digest = measured_table(results)
    if np.any(table & np.uint32(0xFF)):
        print("error: this CPU's estimates use mantissa bits below bit 8; the stored form cannot hold them",
              file=sys.stderr)
        return 1
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor()) if os.path.exists("/proc/cpuinfo") else platform.processor()
    record = {"cpu": cpu, "leading_bits": bits, "entries": int(table.size),
              "exponent_reflection_mismatches": mismatches,
              "sha256": digest, "encoded": encode(table)}
    family = next((name for name, known in _shipped_tables().items() if known.sha256 == record["sha256"]), None)
    record["shipped_family"] = family
    if args.libvmaf_archive:
        if not os.path.isfile(args.libvmaf_archive):
            print(f"error: --libvmaf-archive {args.libvmaf_archive}: no such file", file=sys.stderr)
            return 2
        record["decoupling_mismatches"] = {name: {"differing": bad, "compared": total}
                                           for name, (bad, total) in decoupling_mismatches(args.libvmaf_archive,
                                                                                           args.cc).items()}
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        for key, value in record.items():
            print(f"{key}: {value}")
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
