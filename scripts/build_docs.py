#!/usr/bin/env python3
"""Build the documentation site from the repository: MkDocs, warnings as errors.

    python scripts/build_docs.py            # writes build/docs (sources) and build/site (HTML)

    python scripts/build_docs.py --env-pages   # rewrites docs/envs/ only (no MkDocs needed)

Pages: the README as the home page; one page per environment generated from its docstring
(Gymnasium's site does the same) and one per PettingZoo env; the physics reference from the
docstrings of ``qnet_envs.physics``; the exact references; a tutorial page per notebook (its
markdown and code, without outputs); and every page under docs/. The env pages are also kept in
``docs/envs/`` so that the README's links work on a code host; a test checks that they are the
docstrings' current text. CI runs this script, so a broken link or a missing page fails the
build. Docstrings' reST roles (``:func:`x```) are written as code (`` `x` ``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
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


ROLE = re.compile(r":(?:py:)?(?:func|data|mod|class|meth|attr|obj|exc|const|ref):`~?\.?([^`]+)`")


def markdown_of(docstring: str) -> str:
    """A docstring as markdown: reST roles become code spans, ``double`` backticks single."""
    text = ROLE.sub(lambda m: f"`{m.group(1)}`", inspect.cleandoc(docstring))
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def env_page(spec, kind: str) -> str:
    module, name = spec.entry_point.split(":")
    cls = getattr(importlib.import_module(module), name)
    doc = markdown_of(cls.__doc__ or "(no docstring)")
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
            lines += [f"## `{name}{sig}`", "", markdown_of(obj.__doc__ or ""), ""]
    return "\n".join(lines)


def references_page() -> str:
    from qnet_envs.references import repeater_mdp

    return (
        "# Exact references\n\n## `qnet_envs.references.repeater_mdp`\n\n"
        + markdown_of(repeater_mdp.__doc__)
        + "\n\n"
        + "\n\n".join(
            f"### `{f.__name__}{inspect.signature(f)}`\n\n{markdown_of(f.__doc__)}"
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
    text = text.replace("](CONTRIBUTING.md)", "](contributing.md)")
    return text.replace("](docs/", "](")


def env_pages() -> dict[str, str]:
    """docs/envs/<page>.md -> its text, for every Gymnasium and PettingZoo id."""
    import qnet_envs

    pages = {f"{slug(s.id)}.md": env_page(s, "Gymnasium") for s in qnet_envs.ENVS}
    for spec in qnet_envs.PARALLEL_ENVS:
        pages[f"{slug(spec.id)}-pettingzoo.md"] = env_page(spec, "PettingZoo")
    return pages


def write_env_pages() -> None:
    folder = ROOT / "docs" / "envs"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, text in env_pages().items():
        (folder / name).write_text(text)


def write_sources() -> None:
    write_env_pages()
    if SRC.exists():
        shutil.rmtree(SRC)
    SRC.mkdir(parents=True)
    for item in (ROOT / "docs").iterdir():
        if item.is_dir():
            shutil.copytree(item, SRC / item.name)
        elif item.suffix in (".md", ".png", ".gif", ".json"):
            shutil.copy(item, SRC / item.name)
    (SRC / "index.md").write_text(home_page())
    contributing = (ROOT / "CONTRIBUTING.md").read_text().replace("](docs/", "](")
    (SRC / "contributing.md").write_text(contributing)
    (SRC / "physics.md").write_text(physics_page())
    (SRC / "references.md").write_text(references_page())
    tutorials = SRC / "tutorials"
    tutorials.mkdir()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        (tutorials / f"{nb.stem}.md").write_text(notebook_page(nb))


def main() -> int:
    if "--env-pages" in sys.argv[1:]:
        write_env_pages()
        return 0
    try:
        import material  # noqa: F401  (the theme)
        import mkdocs  # noqa: F401
    except ImportError as exc:
        print(f"build_docs: {exc.name} is missing: pip install -e '.[docs]'", file=sys.stderr)
        return 2
    write_sources()
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml")]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # the theme's own notice, not a warning
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
