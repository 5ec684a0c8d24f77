"""The host CPU's instruction-set extensions (env.json's cpu_flags).

They decide some values, not only speed: XLA (jax, TensorFlow's jit) compiles
for the host, so vector width, fused multiply-add and native 16-bit arithmetic
change compiled results (a float16 x*w + b fused into one rounding on a CPU with
avx512_fp16, computed in float32 elsewhere). The expectations file can therefore
hold an entry for hosts with or without one flag (crossgrad.judging.versions).
"""
from __future__ import annotations

from pathlib import Path

# Instruction-set extensions that change floating-point results: XLA (jax, and
# TensorFlow's jit) compiles for the host CPU, so vector width and fused
# multiply-add decide the last bits of compiled code (issue 14: two machines with
# the same CPU name differed in 48 float64 values). x86 names first, then Arm.
ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl",
             "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16",
             "asimd", "asimdhp", "fphp", "sve", "sve2", "bf16")


def cpu_flags(cpuinfo: str | None = None) -> list[str]:
    """The ISA_FLAGS the CPU reports in /proc/cpuinfo (its first processor), in ISA_FLAGS order;
    [] where /proc/cpuinfo cannot be read (macOS, Windows)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return []
    for line in cpuinfo.splitlines():
        if line.split(":", 1)[0].strip() in ("flags", "Features"):
            present = set(line.split(":", 1)[1].split())
            return [f for f in ISA_FLAGS if f in present]
    return []


