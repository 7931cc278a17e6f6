#!/usr/bin/env python3
"""Build the documentation site from the repository: MkDocs, warnings as errors.

    python scripts/build_docs.py            # writes build/docs (sources) and build/site (HTML)

Pages: the README as the home page; one page per environment generated from its docstring
(Gymnasium's site does the same) and one per PettingZoo env; the physics reference from the
docstrings of ``qnet_envs.physics``; the exact references; a tutorial page per notebook (its
markdown and code, without outputs); and every page under docs/. Nothing generated is
committed: CI runs this script, so a broken link or a missing page fails the build.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "build" / "docs"
SITE = ROOT / "build" / "site"


def slug(env_id: str) -> str:
    return env_id.replace("qnet/", "").replace("/", "_")


def env_page(spec, kind: str) -> str:
    module, name = spec.entry_point.split(":")
    cls = getattr(importlib.import_module(module), name)
    doc = inspect.cleandoc(cls.__doc__ or "(no docstring)")
    doc = re.sub(r"^## ", "### ", doc, flags=re.MULTILINE)
    return (
        f"# {spec.id} ({kind})\n\n{spec.summary}.\n\nSource: {spec.source}.\n\n"
        f"`{spec.entry_point}`\n\n{doc}\n"
    )


def physics_page() -> str:
    from qnet_envs import physics

    lines = [
        "# Physics reference",
        "",
        "Every formula of `qnet_envs.physics`, with its source.",
        "",
    ]
    for name in sorted(physics.__all__):
        obj = getattr(physics, name)
        if callable(obj):
            sig = str(inspect.signature(obj))
            lines += [f"## `{name}{sig}`", "", inspect.cleandoc(obj.__doc__ or ""), ""]
    return "\n".join(lines)


def references_page() -> str:
    from qnet_envs.references import repeater_mdp

    return (
        "# Exact references\n\n## `qnet_envs.references.repeater_mdp`\n\n"
        + inspect.cleandoc(repeater_mdp.__doc__)
        + "\n\n"
        + "\n\n".join(
            f"### `{f.__name__}{inspect.signature(f)}`\n\n{inspect.cleandoc(f.__doc__)}"
            for f in (repeater_mdp.solve, repeater_mdp.evaluate, repeater_mdp.nested_action)
        )
        + "\n"
    )


def notebook_page(path: Path) -> str:
    nb = json.loads(path.read_text())
    out = [f"*Tutorial generated from `notebooks/{path.name}` (run it for the outputs).*", ""]
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        out += [text if cell["cell_type"] == "markdown" else f"```python\n{text}\n```", ""]
    return "\n".join(out)


def home_page() -> str:
    text = (ROOT / "README.md").read_text()
    return text.replace("](docs/", "](")


def write_sources() -> None:
    import qnet_envs

    if SRC.exists():
        shutil.rmtree(SRC)
    SRC.mkdir(parents=True)
    for item in (ROOT / "docs").iterdir():
        if item.is_dir():
            shutil.copytree(item, SRC / item.name)
        elif item.suffix in (".md", ".png", ".gif", ".json"):
            shutil.copy(item, SRC / item.name)
    (SRC / "index.md").write_text(home_page())
    envs = SRC / "envs"
    envs.mkdir()
    for spec in qnet_envs.ENVS:
        (envs / f"{slug(spec.id)}.md").write_text(env_page(spec, "Gymnasium"))
    for spec in qnet_envs.PARALLEL_ENVS:
        (envs / f"{slug(spec.id)}-pettingzoo.md").write_text(env_page(spec, "PettingZoo"))
    (SRC / "physics.md").write_text(physics_page())
    (SRC / "references.md").write_text(references_page())
    tutorials = SRC / "tutorials"
    tutorials.mkdir()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        (tutorials / f"{nb.stem}.md").write_text(notebook_page(nb))


def main() -> int:
    write_sources()
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml")]
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
