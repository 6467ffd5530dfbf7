#!/usr/bin/python3
"""Which BLAS Debian's PyTorch runs on, and which OpenBLAS kernel it should run.

Debian's torch calls BLAS through libblas.so.3: Debian's reference BLAS (package libblas3,
about 4 GFLOP/s) unless OpenBLAS (libopenblas0-pthread) is installed. OpenBLAS picks its kernels
("core") when it is loaded; 0.3.21 detects recent Intel Xeons (AVX-512) as "Prescott" and runs
its SSE3 kernels, 3-4x slower than its SkylakeX ones. OPENBLAS_CORETYPE, read when the library
is loaded, overrides the choice.

Used by the benchmark peers (bench/torch_peer.py, bench/accuracy_peer.py: configure() before
`import torch`, report() after) and, through the Go package of the same directory, by the
live-torch tests (`--probe`, `--cpu`).

    /usr/bin/python3 torchblas.py --probe   # JSON: the libblas.so.3 torch would load, its core
    /usr/bin/python3 torchblas.py --cpu     # JSON: CPU model, SIMD level, the core it allows
"""

import ctypes
import json
import os
import subprocess
import sys

# OpenBLAS x86-64 core names (openblas_get_corename(), lower-cased) by the widest SIMD their
# kernels use: 1 SSE2/SSE3, 2 AVX, 3 AVX2+FMA, 4 AVX-512.
CORE_LEVEL = {
    **dict.fromkeys(["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "opteron",
                     "opteron_sse3", "barcelona", "bobcat", "katmai", "coppermine", "northwood",
                     "banias", "athlon"], 1),
    **dict.fromkeys(["sandybridge", "bulldozer", "piledriver", "steamroller", "excavator"], 2),
    **dict.fromkeys(["haswell", "zen"], 3),
    **dict.fromkeys(["skylakex", "cooperlake", "sapphirerapids"], 4),
}
# The OPENBLAS_CORETYPE to ask for at each CPU level (3 and 4 only: older CPUs are left alone).
CORETYPE_FOR_LEVEL = {3: "HASWELL", 4: "SKYLAKEX"}


def cpu():
    """The CPU's model name, SIMD level (CORE_LEVEL's scale) and the flags that decided it."""
    model, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model == "unknown CPU":
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    level, shown = 1, []
    if {"avx"} <= flags:
        level, shown = 2, ["avx"]
    if {"avx2", "fma"} <= flags:
        level, shown = 3, ["avx2", "fma"]
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        level, shown = 4, ["avx512f", "avx512bw", "avx512vl", "avx512dq"]
    return {"model": model, "level": level, "flags": shown, "coretype": CORETYPE_FOR_LEVEL.get(level, "")}


def loaded():
    """What this process has loaded: the BLAS library file behind libblas.so.3 ("blas"), its kind
    ("OpenBLAS", "reference" or "other"), and for OpenBLAS the core, its SIMD level (CORE_LEVEL,
    0 if unknown) and the build configuration."""
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in os.path.basename(path):
                paths.add(path)
    libblas = sorted(p for p in paths if os.path.basename(p).startswith("libblas"))
    openblas = sorted(p for p in paths if os.path.basename(p).startswith("libopenblas"))
    info = {"blas": libblas[0] if libblas else "", "kind": "none", "core": "", "level": 0, "config": ""}
    if libblas:
        # The openblas-pthread (or -openmp, -serial) directories' libblas.so.3 is OpenBLAS's;
        # /usr/lib/x86_64-linux-gnu/blas/ holds the reference one.
        info["kind"] = "OpenBLAS" if "openblas" in libblas[0] else (
            "reference" if os.path.basename(os.path.dirname(libblas[0])) == "blas" else "other")
    if openblas and info["kind"] == "OpenBLAS":
        lib = ctypes.CDLL(openblas[0])
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        info["core"] = lib.openblas_get_corename().decode()
        info["config"] = lib.openblas_get_config().decode()
        info["level"] = CORE_LEVEL.get(info["core"].lower(), 0)
    return info


def describe(info):
    """One line for a report: "OpenBLAS 0.3.21 ..., core SkylakeX (/usr/lib/...)"."""
    if info["kind"] == "OpenBLAS":
        version = " ".join(info["config"].split()[:2]) or "OpenBLAS"
        return f"{version}, core {info['core']} ({info['blas']})"
    if info["kind"] == "reference":
        return f"reference BLAS ({info['blas']})"
    return f"{info['kind']} BLAS ({info['blas'] or 'libblas.so.3 not loaded'})"


def probe(env=None):
    """loaded() of a fresh interpreter that loads libblas.so.3 as torch does, with env (default:
    this process's environment). A subprocess, because OpenBLAS fixes its core when loaded."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--probe"], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def configure():
    """Call before `import torch`. Where OpenBLAS would run kernels older than this CPU allows
    (Prescott on an AVX-512 Xeon), sets OPENBLAS_CORETYPE for this process (and its children)
    only. Returns what it did, in words ("" when nothing), for the report."""
    if os.environ.get("OPENBLAS_CORETYPE"):
        return f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} given by the caller"
    info, machine = probe(), cpu()
    level = CORE_LEVEL.get(info["core"].lower())
    if info["kind"] != "OpenBLAS" or level is None or not machine["coretype"] or level >= machine["level"]:
        return ""
    os.environ["OPENBLAS_CORETYPE"] = machine["coretype"]
    return (f"OPENBLAS_CORETYPE={machine['coretype']} set for the peer: OpenBLAS detected "
            f"{info['core']} on a CPU with {'+'.join(machine['flags'])}")


def report(note=""):
    """Call after torch has run a BLAS operation. Returns the peer's BLAS for its JSON line;
    raises RuntimeError on the reference BLAS, whose timings are no peer's (4 GFLOP/s)."""
    info, machine = loaded(), cpu()
    if info["kind"] != "OpenBLAS":
        raise RuntimeError(f"the PyTorch peer runs on {describe(info)}, not OpenBLAS: its timings would "
                           "compare against a crippled peer. Install libopenblas0-pthread (scripts/install.sh does).")
    return {"blas": describe(info), "blas_core": info["core"], "blas_level": info["level"], "blas_note": note,
            "cpu": machine["model"], "cpu_level": machine["level"]}


if __name__ == "__main__":
    if sys.argv[1:] == ["--probe"]:
        try:
            ctypes.CDLL("libblas.so.3")
        except OSError:
            pass  # reported as kind "none"
        json.dump(loaded(), sys.stdout)
    elif sys.argv[1:] == ["--cpu"]:
        json.dump(cpu(), sys.stdout)
    else:
        sys.exit(f"usage: {sys.argv[0]} --probe | --cpu")
    print()
