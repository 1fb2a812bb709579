"""Process set-up that makes training bit-reproducible across machines of one CPU family.

XLA's CPU backend sizes its intra-op thread pool from the CPUs the process may run on, and
convolution gradients are summed in an order that depends on that pool: the same training run
gives different parameter bits with one visible core than with two. It also picks kernels for
the widest vector ISA the CPU has (FMA contraction and summation order differ between SSE4.2,
AVX2 and AVX-512), and hands dots to kernel libraries that choose their own kernels by the CPU.
:func:`pin_process_for_determinism` removes these dependences — one CPU, a fixed ISA ceiling, no
library fusions — and must run before ``jax`` is imported, because XLA reads them when its
backend starts. This module therefore imports nothing from jax. See
specs/models/training_determinism.md §2.
"""

from __future__ import annotations

import os
import platform
import sys

__all__ = ["CPUS_BEFORE_PIN", "available_cpus", "DEFAULT_MAX_ISA", "DeterminismError", "LIBRARY_FUSION_FLAGS",
           "pin_process_for_determinism", "determinism_state"]

#: ISA ceiling for XLA's CPU code generation on x86-64. AVX2 is present on every x86-64 machine
#: the project supports (specs/models/training_determinism.md §3).
DEFAULT_MAX_ISA = "AVX2"
_ISA_FLAG = "--xla_cpu_max_isa"
#: XLA:CPU hands dots (and, when asked, convolutions) to kernel libraries (YNNPACK by default in
#: jaxlib 0.10.2, XNNPACK and oneDNN when enabled) that choose their kernels at run time by the
#: CPU's features, beneath the ISA ceiling: an AVX-512 and an AVX2 machine trained the conv nets
#: to other bits. Empty fusion lists keep every dot in XLA's own code generation, which the ceiling
#: governs (specs/models/training_determinism.md §3).
LIBRARY_FUSION_FLAGS = ("--xla_cpu_experimental_ynn_fusion_type=", "--xla_cpu_experimental_xnn_fusion_type=",
                        "--xla_cpu_experimental_onednn_fusion_type=", "--xla_cpu_use_xnnpack=false",
                        "--xla_cpu_use_onednn=false")
#: Environment variable holding the CPUs a pinned process could use before it pinned itself.
CPUS_BEFORE_PIN = "VMAFREF_CPUS_BEFORE_PIN"


class DeterminismError(RuntimeError):
    """Pinning was asked for too late (jax already imported) or conflicts with set flags."""


def _is_x86_64() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64")


def pin_process_for_determinism(max_isa: str = DEFAULT_MAX_ISA) -> None:
    """Pin this process to one CPU, force JAX onto the CPU and cap XLA's ISA; before jax loads.

    * ``os.sched_setaffinity(0, {lowest allowed CPU})``: XLA then sizes its thread pool for one
      core whatever the machine has, so reductions run in one order;
    * ``JAX_PLATFORMS=cpu``: an accelerator, when present, would compute other bits;
    * ``XLA_FLAGS`` gains ``--xla_cpu_max_isa=<max_isa>`` on x86-64 (other architectures keep
      their default: the flag's values are x86 ISA names);
    * ``XLA_FLAGS`` gains :data:`LIBRARY_FUSION_FLAGS`: no dot goes to a kernel library that
      picks its kernels by the CPU at run time.

    Raises :class:`DeterminismError` if ``jax`` is already imported (the settings would be
    silently ignored) or ``XLA_FLAGS`` already sets a different ISA ceiling.
    """
    if "jax" in sys.modules or "jaxlib" in sys.modules:
        raise DeterminismError(
            "pin_process_for_determinism() must run before jax is imported; call it first in the "
            "training process (see specs/models/training_determinism.md §2)")
    allowed = sorted(os.sched_getaffinity(0))
    # Children that run LOSO folds in parallel pin themselves to the other CPUs the process had.
    os.environ.setdefault(CPUS_BEFORE_PIN, ",".join(str(cpu) for cpu in allowed))
    os.sched_setaffinity(0, {allowed[0]})
    platforms = os.environ.get("JAX_PLATFORMS", "")
    if platforms and platforms != "cpu":
        raise DeterminismError(f"JAX_PLATFORMS={platforms!r} is set; deterministic training runs on 'cpu' only")
    os.environ["JAX_PLATFORMS"] = "cpu"
    flags = os.environ.get("XLA_FLAGS", "").split()
    required = ([f"{_ISA_FLAG}={max_isa}"] if _is_x86_64() else []) + list(LIBRARY_FUSION_FLAGS)
    for wanted in required:
        name = wanted.split("=", 1)[0]
        conflicting = [flag for flag in flags if flag.split("=", 1)[0] == name and flag != wanted]
        if conflicting:
            raise DeterminismError(f"XLA_FLAGS already sets {conflicting[-1]}, which conflicts with {wanted}")
        if wanted not in flags:
            flags.append(wanted)
    os.environ["XLA_FLAGS"] = " ".join(flags)


def available_cpus() -> list[int]:
    """The CPUs this process could use before it was pinned (its affinity when never pinned)."""
    recorded = os.environ.get(CPUS_BEFORE_PIN, "")
    try:
        cpus = [int(cpu) for cpu in recorded.split(",") if cpu.strip()]
    except ValueError:
        cpus = []
    return cpus or sorted(os.sched_getaffinity(0))


def determinism_state() -> dict:
    """What the current process looks like to XLA: visible CPUs, platform, flags.

    Recorded with training results so that a reader can see whether a run was pinned.
    """
    cpus = sorted(os.sched_getaffinity(0))
    flags = os.environ.get("XLA_FLAGS", "")
    return {
        "visible_cpus": len(cpus),
        "jax_platforms": os.environ.get("JAX_PLATFORMS", ""),
        "xla_flags": flags,
        "pinned": len(cpus) == 1 and os.environ.get("JAX_PLATFORMS") == "cpu"
        and (not _is_x86_64() or _ISA_FLAG + "=" in flags)
        and all(flag in flags.split() for flag in LIBRARY_FUSION_FLAGS),
    }
