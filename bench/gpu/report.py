"""Turns the JSON lines of mlpstep and peers.py into the markdown report of bench/gpu/run.sh.

    python report.py --card "NVIDIA H200" --verify verify.md --out gpu-report.md gpu-results.jsonl

One row per size, one column per (impl, variant) in the order they first appear, each cell the
median ms/step with the spread over repetitions (± half the range, in % of the median), then
dlopt / JAX (default precision) and dlopt / torch (TF32). Lines with
"skipped" or "error" show as such. Exits 1 when a line is not JSON or lacks impl, batch, hidden.
"""

import argparse
import json
import sys


def read_lines(paths):
    lines = []
    for path in paths:
        with open(path) as f:
            for n, text in enumerate(f, 1):
                if not text.strip():
                    continue
                try:
                    line = json.loads(text)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: not JSON ({e}): {text[:80]!r}")
                missing = [k for k in ("impl", "batch", "hidden") if k not in line]
                if missing:
                    raise ValueError(f"{path}:{n}: missing {missing}: {text[:80]!r}")
                lines.append(line)
    return lines


def column(line):
    return f"{line['impl']} {line.get('variant', '')}".strip()


def cell(line):
    if line is None:
        return ""
    if "skipped" in line:
        return "skipped"
    if "error" in line:
        return "error"
    ms, med = line["ms_per_step"], line["median_ms"]
    spread = (max(ms) - min(ms)) / 2 / med * 100 if med > 0 else 0
    return f"{med:.3g} ms ±{spread:.0f}%"


def ratio(a, b):
    ok = a is not None and b is not None and "median_ms" in a and "median_ms" in b and b["median_ms"] > 0
    return f"{a['median_ms'] / b['median_ms']:.2f}" if ok else ""


def render(lines, card, status="", verify=""):
    columns, sizes, by_key = [], [], {}
    for line in lines:
        col, size = column(line), (line["batch"], line["hidden"])
        if col not in columns:
            columns.append(col)
        if size not in sizes:
            sizes.append(size)
        by_key[(col, size)] = line
    out = ["# GPU benchmark: MLP 784-H-H-10 (ReLU) + Adam train step, float32", "",
           f"Card: {card}", "",
           "Median ms per train step over the repetitions (± half the range). Each repetition "
           "queues its steps and then reads the last loss to the host; data stay on the device.",
           "", "| batch x hidden | " + " | ".join(columns) +
           " | dlopt / jax default | dlopt / torch tf32 |",
           "|---" * (len(columns) + 3) + "|"]
    for size in sizes:
        get = lambda col: by_key.get((col, size))  # noqa: E731
        cells = [cell(get(col)) for col in columns]
        out.append(f"| {size[0]} x {size[1]} | " + " | ".join(cells) +
                   f" | {ratio(get('dlopt'), get('jax default'))}"
                   f" | {ratio(get('dlopt'), get('torch tf32'))} |")
    out += ["", "## Checks: loss of the first step and of the last timed step (one fixed batch, "
            "so it should fall)", "",
            "| run | batch x hidden | steps x reps | loss first | loss last | falls | data on device |",
            "|---|---|---|---|---|---|---|"]
    for line in lines:
        if "median_ms" not in line:
            continue
        first, last = line.get("loss_first"), line.get("loss_last")
        falls = "yes" if first is not None and last is not None and last < first else "NO"
        fmt = lambda x: "not finite" if x is None else f"{x:.4g}"  # noqa: E731
        out.append(f"| {column(line)} | {line['batch']} x {line['hidden']} | "
                   f"{line['steps']} x {line['reps']} | {fmt(first)} | {fmt(last)} | {falls} | "
                   f"{line.get('data_on_device')} |")
    out += ["", "## What ran", ""]
    seen = set()
    for line in lines:
        col = column(line)
        if col in seen or "median_ms" not in line:
            continue
        seen.add(col)
        copy = (f"; batch copied on the device each step: {line['batch_copy_ms']:.3g} ms of the step"
                if line.get("batch_copy_ms") else "")
        out.append(f"- **{col}**: {line.get('backend')} ({line.get('backend_config')}), device "
                   f"{line.get('device')}; gradient {line.get('gradient')}; optimizer "
                   f"{line.get('optimizer')}; precision: {line.get('precision')}; "
                   f"XLA_FLAGS={line.get('xla_flags')!r}{copy}")
    problems = [ln for ln in lines if "skipped" in ln or "error" in ln]
    if problems:
        out += ["", "## Skipped or failed", ""]
        out += [f"- {column(ln)} {ln['batch']} x {ln['hidden']}: "
                f"{ln.get('skipped') or ln.get('error')}" for ln in problems]
    if verify:
        out += ["", "# Verification on the backend", "", verify.rstrip("\n")]
    if status:
        out += ["", "## Run log", "", "```", status.rstrip("\n"), "```"]
    return "\n".join(out) + "\n"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--card", default="unknown")
    p.add_argument("--status", help="run.sh's status file, appended as the run log")
    p.add_argument("--verify", help="run.sh's verify.md (smoke graph, training, tests), appended before the log")
    p.add_argument("--out", required=True)
    p.add_argument("inputs", nargs="+")
    a = p.parse_args(argv)
    try:
        lines = read_lines(a.inputs)
        status = open(a.status).read() if a.status else ""
        verify = open(a.verify).read() if a.verify else ""
    except (OSError, ValueError) as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 1
    with open(a.out, "w") as f:
        f.write(render(lines, a.card, status, verify))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
