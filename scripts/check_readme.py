#!/usr/bin/env python3
"""Check that the README's main-job example output is what its command prints.

    python scripts/check_readme.py [--update]

Reads the command at the end of the README's "(a) Install and run the main job" block
(``qnet train``), runs it into a temporary run folder, and compares the printed results table
with the example table below it: the same rows, the same parameter count, and every mean and
half-width within 1% (floating-point noise between machines). ``--update`` rewrites the
README's example block with this run's output instead (its first line keeps the default run
folder name the command uses). CI runs the check.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ROW = re.compile(r"^\| (.+?) \| (-?[\d.]+) ± ([\d.]+) \|$")


def blocks(text: str) -> tuple[str, str, tuple[int, int]]:
    """The main-job command and its example output block (with its character span)."""
    start = text.index("**(a) Install and run the main job**")
    cmd_at = text.index("```bash\n", start) + len("```bash\n")
    command = text[cmd_at : text.index("\n```", cmd_at)].split("&&")[-1].strip()
    out_at = text.index("```\n", text.index("\n```", cmd_at) + 4) + len("```\n")
    out_end = text.index("\n```", out_at)
    return command, text[out_at:out_end], (out_at, out_end)


def rows(output: str) -> dict[str, tuple[float, float]]:
    found = {}
    for line in output.splitlines():
        m = ROW.match(line.strip())
        if m:
            found[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return found


def run(command: str) -> tuple[str, float]:
    args = shlex.split(command)
    if args[0] == "qnet":
        args = [sys.executable, "-m", "qnet_envs.cli", *args[1:]]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        out = subprocess.run(
            [*args, "--run-dir", f"{tmp}/run"], capture_output=True, text=True, check=True
        ).stdout
        seconds = time.perf_counter() - t
        out = out.replace(f"{tmp}/run", "runs/ddqn-qnet_QuantumResourceAllocation-v0-s0")
    lines = [ln for ln in out.splitlines() if ln.strip()]
    first = next(i for i, ln in enumerate(lines) if " steps in " in ln)
    table_lines = [ln for ln in lines[first + 2 :] if ln.startswith("|")]
    after = [ln for ln in lines[first + 2 :] if ln.startswith("leaderboard (")]
    block = lines[first : first + 2] + [""] + table_lines + ([""] + after if after else [])
    return "\n".join(block), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the README's example")
    args = parser.parse_args()
    text = README.read_text()
    command, example, (a, b) = blocks(text)
    output, seconds = run(command)
    print(f"`{command}` took {seconds:.0f} s")
    if args.update:
        README.write_text(text[:a] + output + text[b:])
        print(output)
        return 0
    want, got = rows(example), rows(output)
    problems = []
    if set(want) != set(got):
        problems.append(f"rows differ: README {sorted(want)}, run {sorted(got)}")
    for name in set(want) & set(got):
        for label, w, g in zip(("mean", "95% CI"), want[name], got[name], strict=True):
            if abs(w - g) > 0.01 * max(abs(w), 1.0):
                problems.append(f"{name}: README {label} {w}, this run {g}")
    for p in problems:
        print(f"README example mismatch: {p}")
    if not problems:
        print(f"README example reproduced ({len(want)} rows within 1%)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
