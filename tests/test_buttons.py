"""The header buttons of the built site, read from its HTML (no browser).

Every chapter page must offer its notebook for download (sphinx-book-theme's
download menu, ``a.btn-download-source-button`` pointing at ``_sources/...ipynb``,
a file the build copied there), and every other page its Markdown source. Launch
buttons (Binder, JupyterHub, Colab, Deepnote, JupyterLite, Thebe) are switched off
in ``_config.yml`` while the repository URL is a placeholder: no page may carry one,
nor any link to a launch service. ``CANON_SITE=/path/to/html`` points the checks at
another build, as for ``tests/test_site.py``.
"""

import html.parser
import os
import pathlib
from urllib.parse import urljoin

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SITE = pathlib.Path(os.environ.get("CANON_SITE", ROOT / "_build" / "html")).resolve()
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("*.ipynb"))
LAUNCH_HOSTS = ("mybinder", "binder", "colab.research", "deepnote", "jupyterlite",
                "/hub/user-redirect", "/v2/gh/")

pytestmark = pytest.mark.site


class _Links(html.parser.HTMLParser):
    """Collect the class list and href of every element of a page."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, set((attrs.get("class") or "").split()), attrs.get("href")))


def _elements(page):
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.elements


def _pages():
    return sorted(p for p in (SITE / "book").glob("*.html")) if SITE.is_dir() else []


def test_site_was_built():
    assert (SITE / "index.html").is_file(), "build the book first (make strict-build)"
    missing = [c for c in CHAPTERS if not (SITE / "book" / f"{c}.html").is_file()]
    assert not missing, missing


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_offers_its_notebook(chapter):
    page = SITE / "book" / f"{chapter}.html"
    if not page.is_file():
        pytest.fail(f"{page} was not built")
    hrefs = [href for tag, classes, href in _elements(page)
             if tag == "a" and "btn-download-source-button" in classes]
    assert hrefs, f"{chapter}: no download button"
    assert all(h.endswith(f"_sources/book/{chapter}.ipynb") for h in hrefs), hrefs
    target = pathlib.Path(urljoin(page.as_uri(), hrefs[0]).removeprefix("file://"))
    assert target.is_file(), f"{chapter}: the download points at a missing {target}"


def test_every_page_has_a_download_menu_and_no_launch_button():
    pages = _pages()
    assert pages, "build the book first (make strict-build)"
    problems = []
    for page in pages:
        elements = _elements(page)
        name = page.relative_to(SITE)
        if not any("dropdown-download-buttons" in classes for _, classes, _ in elements):
            problems.append(f"{name}: no download menu")
        for tag, classes, href in elements:
            if any(c.startswith(("dropdown-launch", "btn-launch")) for c in classes):
                problems.append(f"{name}: a launch button ({' '.join(sorted(classes))})")
            if href and any(host in href for host in LAUNCH_HOSTS):
                problems.append(f"{name}: a link to a launch service ({href})")
    assert not problems, "\n".join(problems)


def test_no_page_shows_the_colab_install_cell():
    """The chapters' first cell (scripts/colab_cell.py) is for Colab: tagged remove-cell,
    the pages leave it out, input and output."""
    pages = _pages()
    assert pages, "build the book first (make strict-build)"
    shown = [p.name for p in pages
             if "invalidate_caches" in p.read_text(encoding="utf-8")
             or "canon @ git+" in p.read_text(encoding="utf-8")]
    assert not shown, f"the Colab install cell is shown on {shown}"
