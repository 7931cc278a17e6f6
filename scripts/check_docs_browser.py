#!/usr/bin/env python3
"""Open the built documentation site in headless Chromium and check how it reads.

    python scripts/build_docs.py && python scripts/check_docs_browser.py [--site build/site]

Serves the site on localhost, opens the home page and the repeater chain's env page at
1280 x 900, and checks on each: no horizontal overflow of the page, every code block and table
within the content column (a wide one scrolls inside its own box), the page title within the
sidebar, and no raw reST role (``:func:``, ``:data:``, ...) left in the text. Writes
``docs/screenshots/home.png`` and ``docs/screenshots/repeater-chain.png`` (linked from the
benchmark pages). Exits 1 with one line per problem. Needs the docs extra (playwright) and a
Chromium: ``/usr/bin/chromium`` (Debian's package) or the path in ``QNET_CHROMIUM``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {"home": "index.html", "repeater-chain": "envs/EntanglementDistribution-v2/index.html"}
WIDTH, HEIGHT = 1280, 900
# Chromium's own background traffic is refused on machines without internet access
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip

MEASURE = """() => {
  const view = document.documentElement.clientWidth;
  const content = document.querySelector('.md-content') || document.body;
  const right = content.getBoundingClientRect().right + 1;
  const wide = [...document.querySelectorAll('pre, table')]
    .filter(el => el.getBoundingClientRect().right > right)
    .map(el => el.tagName + ': ' + el.innerText.slice(0, 60).replace(/\\s+/g, ' '));
  const title = document.querySelector('.md-header__title');
  const clipped = title && title.scrollWidth > title.clientWidth + 1 &&
    getComputedStyle(title).overflow === 'visible';
  const roles = (document.body.innerText.match(/:(func|data|mod|class|meth|attr):`/g) || []);
  return {page: document.documentElement.scrollWidth - view, wide, clipped, roles: roles.length};
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # one line per request would drown the result
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def check(page, name: str, url: str, shots: Path) -> list[str]:
    page.goto(url, wait_until="load")
    found = page.evaluate(MEASURE)
    page.screenshot(path=str(shots / f"{name}.png"))
    problems = []
    if found["page"] > 0:
        problems.append(f"{name}: the page is {found['page']} px wider than the window")
    problems += [f"{name}: overflows the content column: {w}" for w in found["wide"]]
    if found["clipped"]:
        problems.append(f"{name}: the title overflows the header")
    if found["roles"]:
        problems.append(f"{name}: {found['roles']} raw reST roles in the text")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default=str(ROOT / "build" / "site"))
    parser.add_argument("--shots", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    site, shots = Path(args.site), Path(args.shots)
    if not (site / "index.html").exists():
        print(f"check_docs_browser: no site at {site}: run scripts/build_docs.py first")
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("check_docs_browser: playwright is missing: pip install -e '.[docs]'")
        return 2
    chromium = os.environ.get("QNET_CHROMIUM", "/usr/bin/chromium")
    shots.mkdir(parents=True, exist_ok=True)
    server, base = serve(site)
    problems = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            for name, path in PAGES.items():
                problems += check(page, name, base + path, shots)
            browser.close()
    finally:
        server.shutdown()
    for line in problems:
        print(line)
    print(f"checked {len(PAGES)} pages at {WIDTH} px: {len(problems)} problems; shots in {shots}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
