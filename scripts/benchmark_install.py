#!/usr/bin/env python3
"""Time the README's install command (a) and measure the virtual environment it builds.

    python scripts/benchmark_install.py [--extra agents] [--project PATH]

Builds a fresh venv in a temporary folder, runs ``pip install torch==2.13.0`` and then
``pip install -e "PATH[EXTRA]"``, and prints one markdown row: the extra, the install's wall
time, the venv's size on disk and its largest packages. ``--project`` points at another checkout
(an older commit, for a before/after comparison). Timings depend on the package cache and the
network; sizes do not.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def size_mb(path: Path) -> float:
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    )


def largest(site: Path, n: int = 5) -> str:
    sizes = sorted(((size_mb(p), p.name) for p in site.iterdir() if p.is_dir()), reverse=True)
    return ", ".join(f"{name} {mb:.0f} MB" for mb, name in sizes[:n])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", default="agents")
    parser.add_argument("--project", default=str(ROOT))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        t0 = time.perf_counter()
        subprocess.run([*pip, "torch==2.13.0"], check=True)
        subprocess.run([*pip, "-e", f"{args.project}[{args.extra}]"], check=True)
        seconds = time.perf_counter() - t0
        site = next((venv / "lib").glob("python*/site-packages"))
        print("| extra | install time | venv size | largest packages |")
        print("|---|---|---|---|")
        print(f"| `{args.extra}` | {seconds:.0f} s | {size_mb(venv):,.0f} MB | {largest(site)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
