"""The built site in a real browser: headless Chromium driven by Playwright.

Every HTML page of ``_build/html`` is opened from a local server. A page fails on a
console error, an uncaught exception, a request to any host but the local server
(the book must read offline), an image that did not load, or mathematics that
MathJax left untypeset or typeset as an error.
"""

import functools
import http.server
import pathlib
import shutil
import threading
from urllib.parse import urlparse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = sorted(
    str(p.relative_to(SITE))
    for p in SITE.rglob("*.html")
    if not ({"_static", "_sources", "_images"} & set(p.relative_to(SITE).parts))
) if SITE.is_dir() else []

pytestmark = pytest.mark.site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


def test_site_was_built():
    assert SITE.joinpath("index.html").is_file(), "build the book first (make strict-build)"
    assert len(PAGES) >= 4, PAGES


# MathJax must have finished; then count maths left raw and typeset errors.
_MATH_STATE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    if (MathJax.typesetPromise) { await MathJax.typesetPromise(); }
  }
  const maths = Array.from(document.querySelectorAll('.math'));
  const raw = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
  const errors = Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent.slice(0, 80));
  const images = Array.from(document.images)
      .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  return {count: maths.length, mathjax: !!window.MathJax, raw, errors, images};
}"""


@pytest.mark.parametrize("page", PAGES)
def test_page(page, server, browser):
    context = browser.new_context()
    outside, console, exceptions, failed = [], [], [], []
    host = urlparse(server).netloc

    def route(request_route):
        url = request_route.request.url
        if urlparse(url).scheme in ("data", "blob") or urlparse(url).netloc == host:
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: exceptions.append(str(e)))
    tab.on("requestfailed", lambda r: failed.append(r.url) if urlparse(r.url).netloc == host else None)
    response = tab.goto(f"{server}/{page}", wait_until="load")
    assert response is not None and response.ok, f"{page}: HTTP {response and response.status}"
    if page == "index.html":  # the root page redirects to the preface
        tab.wait_for_url("**/book/intro.html")
        tab.wait_for_load_state("load")
    state = tab.evaluate(_MATH_STATE)
    tab.wait_for_timeout(100)
    context.close()
    assert not outside, f"{page} asked hosts other than the local server: {outside}"
    assert not exceptions, f"{page} raised JavaScript exceptions: {exceptions}"
    assert not console, f"{page} logged console errors: {console}"
    assert not failed, f"{page} had failed requests: {failed}"
    assert not state["images"], f"{page} has images that did not load: {state['images']}"
    if state["count"]:
        assert state["mathjax"], f"{page} has maths but MathJax did not load"
    assert not state["raw"], f"{page} has maths left untypeset: {state['raw'][:3]}"
    assert not state["errors"], f"{page} has MathJax errors: {state['errors'][:3]}"


def test_ledger_certifies_every_claim():
    """The ledger page is generated at build time; every claim of the paper has a verdict."""
    import re

    from canon.ledger import CLAIMS

    html = SITE.joinpath("book", "ledger.html").read_text(encoding="utf-8")
    summary = re.search(r"(\d+) claims, (\d+) certificates recorded in this build", html)
    assert summary, "the ledger table was not generated"
    assert int(summary.group(1)) == len(CLAIMS)
    assert int(summary.group(2)) >= len(CLAIMS), summary.group(0)
    assert "not certified yet" not in html.split("</table>")[0].split("<table")[-1]
