"""The published site: a build made with the published configuration.

The publish workflow runs these checks on the site it is about to deploy, with
``CANON_PUBLISHED_SITE=_build/html`` after ``scripts/publish_config.py`` and
``make book``; elsewhere they are skipped (the offline book, which ``make test`` builds
and checks, has no launch button: ``tests/test_buttons.py``, ``tests/test_site.py``).
The repository is the workflow's (``GITHUB_REPOSITORY``), or ``CANON_PUBLISHED_REPOSITORY``.

Every chapter page must offer Binder and Colab on that repository's notebook, Thebe's
live code (its scripts once each: with Sphinx 7.4 they come twice unless
``_ext/canon_sphinx.py`` drops the copy), the repository and issues buttons, the
download of its notebook, and its canonical address on the Pages site; no page shows
the Colab install cell. In a browser (where Chromium is installed) a chapter page loads
with no console error and asks no outside host until a reader presses a button.
"""

import html.parser
import importlib.util
import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
_site = os.environ.get("CANON_PUBLISHED_SITE")
SITE = pathlib.Path(_site).resolve() if _site else None
REPOSITORY = os.environ.get("CANON_PUBLISHED_REPOSITORY") or os.environ.get("GITHUB_REPOSITORY")
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("*.ipynb"))

pytestmark = pytest.mark.skipif(
    not (SITE and REPOSITORY),
    reason="no published build: set CANON_PUBLISHED_SITE to a build made with "
           "scripts/publish_config.py and GITHUB_REPOSITORY to its owner/name "
           "(the publish workflow does both)")


def _site_url():
    spec = importlib.util.spec_from_file_location(
        "publish_config", ROOT / "scripts" / "publish_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.site_url(REPOSITORY)


class _Page(html.parser.HTMLParser):
    """Links, buttons and scripts of a page."""

    def __init__(self):
        super().__init__()
        self.elements, self.scripts, self._script = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, set((attrs.get("class") or "").split()), attrs))
        if tag == "script":
            self._script = [attrs.get("src") or "", ""]
            self.scripts.append(self._script)

    def handle_data(self, data):
        if self._script is not None:
            self._script[1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def page(name):
    path = SITE / "book" / f"{name}.html"
    assert path.is_file(), f"{path} was not built"
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_launches_on_binder_colab_and_thebe(chapter):
    owner_repo = REPOSITORY
    parsed = page(chapter)
    hrefs = [attrs.get("href") or "" for tag, _, attrs in parsed.elements if tag == "a"]
    binder = f"https://mybinder.org/v2/gh/{owner_repo}/main?urlpath=lab/tree/book/{chapter}.ipynb"
    colab = f"https://colab.research.google.com/github/{owner_repo}/blob/main/book/{chapter}.ipynb"
    assert binder in hrefs, [h for h in hrefs if "binder" in h]
    assert colab in hrefs, [h for h in hrefs if "colab" in h]
    assert f"https://github.com/{owner_repo}" in hrefs
    assert any(h.startswith(f"https://github.com/{owner_repo}/issues/new?") for h in hrefs)
    assert any(h.endswith(f"_sources/book/{chapter}.ipynb") for h in hrefs), "download button"
    thebe = [attrs for tag, classes, attrs in parsed.elements if "btn-launch-thebe" in classes]
    assert thebe and thebe[0].get("onclick") == "initThebeSBT()"
    canonical = [attrs.get("href") for tag, _, attrs in parsed.elements
                 if tag == "link" and attrs.get("rel") == "canonical"]
    assert canonical == [f"{_site_url()}book/{chapter}.html"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_thebe_scripts_come_once(chapter):
    scripts = page(chapter).scripts
    inline = [body for src, body in scripts if "THEBE_JS_URL" in body]
    assert len(inline) == 1, f"{len(inline)} copies of thebe's configuration script"
    assert sum("sphinx-thebe.js" in src for src, _ in scripts) == 1
    config = [body for src, body in scripts if "binderOptions" in body]
    assert config and f'repo: "{REPOSITORY}"' in config[0]


def test_no_page_shows_the_colab_install_cell():
    pages = sorted((SITE / "book").glob("*.html"))
    assert pages
    shown = [p.name for p in pages if "invalidate_caches" in p.read_text(encoding="utf-8")]
    assert not shown, f"the install cell is on {shown} (its remove-cell tag was not honoured)"


def test_a_chapter_page_loads_cleanly_in_a_browser():
    if not (shutil.which("chromium") or pathlib.Path("/usr/bin/chromium").exists()):
        pytest.skip("no chromium for the browser check")
    playwright = pytest.importorskip("playwright.sync_api")
    from test_site import CHROMIUM, CHROMIUM_ARGS, assert_clean, open_page, serve

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        server = serve(SITE)
        url = next(server)
        try:
            for name in ("book/convexity.html", "book/intro.html"):
                context, tab, log = open_page(browser, url, name)
                tab.wait_for_timeout(1000)
                live = tab.evaluate("() => typeof window.initThebeSBT === 'function'")
                context.close()
                assert_clean(name, log)
                assert live, "sphinx-book-theme's live-code launcher is not on the page"
        finally:
            server.close()
            browser.close()
