#!/usr/bin/env python3
"""Regenerate the baseline tables of docs/baselines.md from the commands written above them.

    python scripts/baseline_tables.py [--check]

Each table to regenerate follows a marker line ``<!-- qnet rollout ARGS -->`` (several commands
may be joined with `` ; ``: their rows are concatenated under the first one's header). The
script runs each command exactly as ``qnet rollout`` does (:func:`qnet_envs.cli.rollout_table`)
and replaces the table under the marker. ``--check`` only reports which tables differ.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

from qnet_envs.cli import build_parser, rollout_table

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "baselines.md"
MARKER = re.compile(r"^<!-- qnet rollout (.+) -->$")


def table_for(commands: str) -> str:
    tables = []
    for command in commands.split(" ; "):
        args = build_parser().parse_args(["rollout", *shlex.split(command)])
        tables.append(rollout_table(args, progress=False).splitlines())
        print(f"ran: qnet rollout {command}", file=sys.stderr)
    lines = tables[0]
    for more in tables[1:]:
        lines += more[2:]  # rows only: the header and rule come from the first command
    return "\n".join(lines)


def regenerate(text: str, only: str | None = None) -> tuple[str, list[str]]:
    lines = text.split("\n")
    out, changed, i = [], [], 0
    while i < len(lines):
        out.append(lines[i])
        m = MARKER.match(lines[i])
        i += 1
        if not m:
            continue
        while i < len(lines) and not lines[i].startswith("|"):
            out.append(lines[i])
            i += 1
        old = []
        while i < len(lines) and lines[i].startswith("|"):
            old.append(lines[i])
            i += 1
        if only is not None and only not in m.group(1):
            out.extend(old)
            continue
        new = table_for(m.group(1))
        if new != "\n".join(old):
            changed.append(m.group(1))
        out.extend(new.split("\n"))
    return "\n".join(out), changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences, change nothing")
    parser.add_argument(
        "--only", default=None, help="regenerate only the tables whose command contains this text"
    )
    args = parser.parse_args()
    text, changed = regenerate(PAGE.read_text(), args.only)
    for command in changed:
        print(f"{'differs' if args.check else 'regenerated'}: qnet rollout {command}")
    if not args.check:
        PAGE.write_text(text)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
