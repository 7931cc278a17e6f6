"""The documentation's generated parts are current, and docstrings render as markdown."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _build_docs():
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_env_pages_are_the_docstrings_current_text():
    pages = _build_docs().env_pages()
    folder = ROOT / "docs" / "envs"
    assert sorted(p.name for p in folder.glob("*.md")) == sorted(pages)
    for name, text in pages.items():
        assert (folder / name).read_text() == text, (
            f"docs/envs/{name} is stale: python scripts/build_docs.py --env-pages"
        )


def test_rest_roles_become_code_spans():
    convert = _build_docs().markdown_of
    text = convert("See :func:`qnet_envs.physics.bbpssw`, :data:`~x.LIMIT` and ``n_nodes``.")
    assert text == "See `qnet_envs.physics.bbpssw`, `x.LIMIT` and `n_nodes`."
    for page in (ROOT / "docs" / "envs").glob("*.md"):
        assert ":func:`" not in page.read_text() and ":data:`" not in page.read_text()


def test_every_readme_link_to_the_docs_points_at_a_file():
    import re

    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\((docs/[^)#]+|CONTRIBUTING\.md)", text):
        assert (ROOT / target).exists(), target
    assert len(text.splitlines()) <= 200
