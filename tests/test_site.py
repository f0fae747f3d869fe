"""The built site in a real browser: headless Chromium driven by Playwright.

Every HTML page of ``_build/html`` is opened from a local server in a 1366 x 768
window, the size of a common laptop screen. A page fails on

- a console error, an uncaught exception, a request to any host but the local server
  (the book must read offline), or an image that did not load;
- mathematics that MathJax left untypeset or typeset as an error, or an equation whose
  ``\\tag{n}`` does not show "(n)" inside the main column;
- a theorem-like box (sphinx-proof) without a title, raw MyST text (a directive fence
  such as ```` ```{prf:lemma} ```` or a role such as ``{doc}`...```), "??", or a
  cross-reference that Sphinx left unresolved;
- content that spills out of the main column or is cut off by it (tables that
  scroll inside their own box are fine);
- a code block or printed output (folded ones unfolded) that scrolls sideways, named
  with its first line too wide for it, or a figure shrunk so far that its smallest
  text is under 8 px.

The student edition's chapter pages (``_build/student/_build/html``, or
``CANON_STUDENT_SITE``) are checked for the same overflow, scrolling and figure size.

Internal links are checked once for the whole site from the files on disk: the target
file exists, and so does the element a ``#fragment`` names. Every chapter page (under
``book/``) is saved as a full-page screenshot in ``_build/screenshots/`` for a person
to look at: the check cannot tell whether a figure's axes are labelled.

``CANON_SITE=/path/to/html`` points the check at another build (one made with
``--path-output``); screenshots then go next to it, in ``../screenshots``.
``CANON_SCREENSHOTS=0`` skips the screenshots (they take most of the check's time); a
screenshot newer than its page is not taken again.
"""

import functools
import html.parser
import http.server
import os
import pathlib
import posixpath
import shutil
import threading
from urllib.parse import unquote, urlparse, urlsplit

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SITE = pathlib.Path(os.environ.get("CANON_SITE", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = SITE.parent / "screenshots"
STUDENT_SITE = pathlib.Path(os.environ.get(
    "CANON_STUDENT_SITE", ROOT / "_build" / "student" / "_build" / "html")).resolve()
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Headless, offline: no first-run, sync, update or background requests.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}


def site_pages(site):
    """The HTML pages of a built site (not theme templates), relative to it, sorted."""
    if not site.is_dir():
        return []
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not ({"_static", "_sources", "_images"} & set(p.relative_to(site).parts))
    )


PAGES = site_pages(SITE)

pytestmark = pytest.mark.site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder):
    """Serve ``folder`` on a free local port; a generator for a fixture (yields the URL)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def server():
    yield from serve(SITE)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, server, page):
    """Open ``page`` as a reader would and record what goes wrong.

    Returns
    -------
    context, tab, log
        The browser context (close it when done), its tab, and a dict of lists:
        ``outside`` (requests to other hosts, blocked), ``console`` (console errors),
        ``exceptions`` (uncaught JavaScript errors), ``failed`` (failed local requests).
    """
    context = browser.new_context(viewport=VIEWPORT)
    log = {"outside": [], "console": [], "exceptions": [], "failed": []}
    host = urlparse(server).netloc

    def route(request_route):
        url = request_route.request.url
        if urlparse(url).scheme in ("data", "blob") or urlparse(url).netloc == host:
            request_route.continue_()
        else:
            log["outside"].append(url)
            request_route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("console", lambda m: log["console"].append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: log["exceptions"].append(str(e)))
    tab.on("requestfailed",
           lambda r: log["failed"].append(r.url) if urlparse(r.url).netloc == host else None)
    response = tab.goto(f"{server}/{page}", wait_until="load")
    assert response is not None and response.ok, f"{page}: HTTP {response and response.status}"
    if page == "index.html":  # the root page redirects to the preface
        tab.wait_for_url("**/book/intro.html")
        tab.wait_for_load_state("load")
    return context, tab, log


def assert_clean(page, log):
    """Fail on anything ``open_page`` recorded."""
    assert not log["outside"], f"{page} asked hosts other than the local server: {log['outside']}"
    assert not log["exceptions"], f"{page} raised JavaScript exceptions: {log['exceptions']}"
    assert not log["console"], f"{page} logged console errors: {log['console']}"
    assert not log["failed"], f"{page} had failed requests: {log['failed']}"


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

# What a reader sees in the main column, once MathJax is done. Each list names problems.
_READING_STATE = r"""() => {
  const main = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const column = main.getBoundingClientRect();
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const inColumn = e => { const r = e.getBoundingClientRect(); return r.left >= column.left - 1 && r.right <= column.right + 1; };
  const name = e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined && e.className
      ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' "' + (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50) + '"';
  const clean = s => (s || '').replace(/\s+/g, ' ').trim();

  // Text outside code blocks and typeset maths: no raw MyST, no "??".
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {acceptNode: n =>
      n.parentElement.closest('pre, div.highlight, mjx-container, script, style')
          ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  let text = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { text += n.data; }
  const rawMyst = [];
  for (const re of [/(```|~~~|:::)\s*\{[\w:-]+\}[^\n]{0,40}/g, /\{(\w+:)?[\w-]+\}`[^`\n]{0,40}`?/g, /[^\n]{0,30}\?\?[^\n]{0,30}/g]) {
    for (const m of text.matchAll(re)) { rawMyst.push(m[0].trim()); }
  }
  // TeX that MathJax never saw (a "$" pair broken, e.g. by a line that Markdown read as a list item).
  const rawTex = Array.from(text.matchAll(/[^\n]{0,30}(\\(?:[a-zA-Z]{2,}|[{}])|\$\\|\^\{)[^\n]{0,30}/g)).map(m => m[0].trim());
  // ... and its mirror image: prose typeset as maths (words in italics, spaces lost).
  const items = window.MathJax && MathJax.startup && MathJax.startup.document ? MathJax.startup.document.math : [];
  for (const item of items) {
    const source = item.math.replace(/\\(text|textrm|mathrm|mbox|operatorname|label|tag)\*?\s*\{[^{}]*\}/g, ' ');
    const words = source.match(/(^|[^\\a-zA-Z])[a-z]{2,}( +[a-z]{2,}){2,}/);
    if (words) { rawTex.push('maths made of words: ' + item.math.trim().slice(0, 60)); }
  }

  // Cross-references Sphinx could not resolve keep their "xref" node, without a link.
  const unresolved = Array.from(document.querySelectorAll('.xref'))
      .filter(x => x.classList.length > 1 && !x.closest('a[href]')).map(name);

  // sphinx-proof boxes: a typed box has a title "<Kind> <number or name>", a proof starts with "Proof".
  const kinds = ['theorem', 'lemma', 'definition', 'remark', 'corollary', 'proposition', 'algorithm',
                 'conjecture', 'criterion', 'example', 'property', 'observation', 'axiom', 'assumption', 'notation'];
  const untitled = [];
  let boxes = 0;
  for (const box of main.querySelectorAll('div.proof')) {
    boxes += 1;
    const kind = Array.from(box.classList).find(c => kinds.includes(c));
    if (kind) {
      const title = box.querySelector(':scope > .admonition-title');
      const words = clean(title && title.textContent);
      if (!words.toLowerCase().startsWith(kind) || words.length <= kind.length + 1) { untitled.push(kind + ': "' + words + '"'); }
    } else if (!/^Proof\b/.test(clean(box.textContent))) {
      untitled.push('proof: "' + clean(box.textContent).slice(0, 40) + '"');
    }
  }

  // Equation tags: MathJax draws \tag{n} as "(n)"; it must be there, and inside the column.
  const glyphs = node => Array.from(node.querySelectorAll('mjx-c')).map(c => {
      const k = Array.from(c.classList).find(k => /^mjx-c[0-9A-F]+$/.test(k));
      return k ? String.fromCodePoint(parseInt(k.slice(5), 16)) : ''; }).join('');
  const tags = [], badTags = [];
  for (const item of items) {
    const wanted = Array.from(item.math.matchAll(/\\tag(\*?)\s*\{([^{}]*)\}/g)).map(m => m[1] ? m[2] : '(' + m[2] + ')');
    if (!wanted.length) { continue; }
    const root = item.typesetRoot;
    const labels = root ? Array.from(root.querySelectorAll('[id^="mjx-eqn"]')) : [];
    const seen = labels.filter(l => !shown(root) || (shown(l) && inColumn(l))).map(glyphs);
    for (const w of wanted) { (seen.includes(w) ? tags : badTags).push(w); }
  }
  // Sphinx numbers labelled equations itself, in span.eqno.
  for (const e of main.querySelectorAll('span.eqno')) {
    const number = clean(e.textContent).replace(/#$/, '');
    (/^\(\S+\)$/.test(number) && (!shown(e.parentElement) || (shown(e) && inColumn(e))) ? tags : badTags).push(number);
  }

  // Nothing may stick out of the main column unless a box of its own scrolls or clips it,
  // and nothing may be cut off by a box that hides what does not fit.
  const wrapped = e => { for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') { return true; } } return false; };
  const all = Array.from(main.querySelectorAll('*'));
  const sticking = new Set(all.filter(e => { const r = e.getBoundingClientRect();
      return r.width > 0 && r.right > column.right + 2 && !wrapped(e); }));
  const overflow = Array.from(sticking).filter(e => !sticking.has(e.parentElement))
      .map(e => name(e) + ' sticks out by ' + Math.round(e.getBoundingClientRect().right - column.right) + ' px');
  for (const e of all) {
    // MathJax's own boxes overshoot by a pixel or two: not a reader's problem.
    if (e.scrollWidth <= e.clientWidth + 4 || e.clientWidth === 0 || e.closest('mjx-container')) { continue; }
    const o = getComputedStyle(e).overflowX;
    if ((o === 'hidden' || o === 'clip') && !e.matches('span.math')) {
      overflow.push(name(e) + ' cuts off ' + (e.scrollWidth - e.clientWidth) + ' px');
    }
  }
  const page = document.scrollingElement;
  if (page.scrollWidth > page.clientWidth + 1) { overflow.push('the page scrolls sideways: ' + page.scrollWidth + ' px'); }
  return {rawMyst, rawTex, unresolved, boxes, untitled, tags, badTags, overflow};
}"""


# Code and printed output must fit the column: a block that scrolls sideways hides the ends
# of its lines from a reader who does not scroll it. Folded content (code behind "show
# code", solutions in dropdowns) is unfolded first, as a reader may unfold it. Each entry
# names the block and its first line too wide for it.
_SCROLLING_STATE = r"""() => {
  for (const d of document.querySelectorAll('details')) { d.open = true; }
  for (const t of document.querySelectorAll('.toggle-hidden')) { t.classList.remove('toggle-hidden'); }
  const main = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const canvas = document.createElement('canvas').getContext('2d');
  const found = [];
  const blocks = main.querySelectorAll('.cell_input pre, div.highlight pre, .cell_output pre');
  for (const pre of blocks) {
    // the block that scrolls may be the pre or a box around it (div.highlight, the output)
    const boxes = [pre, pre.closest('div.highlight'), pre.closest('.cell_output')].filter(b => b);
    const scroller = boxes.find(b => b.clientWidth > 0 && b.scrollWidth > b.clientWidth + 1);
    if (!scroller) { continue; }
    const style = getComputedStyle(pre);
    canvas.font = style.font;
    const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const lines = pre.textContent.split('\n');
    const widths = lines.map(l => canvas.measureText(l).width);
    let first = widths.findIndex(w => w > room + 1);
    if (first < 0) { first = widths.indexOf(Math.max(...widths)); }
    const kind = pre.closest('.cell_output') ? 'output' : 'code';
    found.push(kind + ' scrolls by ' + (scroller.scrollWidth - scroller.clientWidth) + ' px, line '
               + (first + 1) + ' (' + lines[first].length + ' columns): "' + lines[first].trim().slice(0, 90) + '"');
  }
  return found;
}"""

# Figures: a figure wider than the column is shrunk to fit it, and its text with it.
# Returns, for each image of a cell output, its natural and rendered width.
_FIGURE_STATE = r"""() => {
  const main = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  return Array.from(main.querySelectorAll('.cell_output img, figure img'))
      .filter(i => i.naturalWidth > 0 && i.getBoundingClientRect().width > 0)
      .map(i => ({src: i.getAttribute('src'), natural: i.naturalWidth,
                  rendered: i.getBoundingClientRect().width}));
}"""

#: No figure text may be drawn smaller than this, in CSS pixels, on the page.
SMALLEST_TEXT_PX = 8.0


def smallest_figure_text(natural, rendered):
    """The height in CSS pixels of a canon figure's smallest text, as the page shows it.

    A figure from ``canon.plots`` draws its smallest text (tick labels, legend) at
    10 pt and ``figure.dpi``; one wider than ``canon.plots.COLUMN_WIDTH`` has its text
    enlarged by its width over the column's, because the page shrinks it to the column.
    """
    from canon import plots

    dpi = plots._STYLE["figure.dpi"]
    points = min(10.0, plots._STYLE["legend.fontsize"])
    enlarged = max(1.0, natural / (plots.COLUMN_WIDTH * dpi))
    return points / 72 * dpi * enlarged * rendered / natural


def too_small_figures(figures):
    return [f"{f['src']}: smallest text {smallest_figure_text(f['natural'], f['rendered']):.1f} px "
            f"(shown {f['rendered']:.0f} px wide of {f['natural']})"
            for f in figures
            if smallest_figure_text(f["natural"], f["rendered"]) < SMALLEST_TEXT_PX]


def screenshot_path(page):
    """Where the screenshot of a chapter page goes: ``book/x.html`` -> ``screenshots/x.png``."""
    return SCREENSHOTS / pathlib.PurePosixPath(page).relative_to("book").with_suffix(".png")


@pytest.mark.parametrize("page", PAGES)
def test_page(page, server, browser):
    context, tab, log = open_page(browser, server, page)
    state = tab.evaluate(_MATH_STATE)
    reading = tab.evaluate(_READING_STATE)
    if page.startswith("book/") and os.environ.get("CANON_SCREENSHOTS", "1") != "0":
        shot = screenshot_path(page)
        # a screenshot newer than its page is kept: re-running the check costs no new pictures
        if not (shot.is_file() and shot.stat().st_mtime >= SITE.joinpath(page).stat().st_mtime):
            shot.parent.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(shot), full_page=True)
    figures = tab.evaluate(_FIGURE_STATE)
    scrolling = tab.evaluate(_SCROLLING_STATE)   # last: it unfolds folded content
    tab.wait_for_timeout(100)
    context.close()
    assert_clean(page, log)
    assert not state["images"], f"{page} has images that did not load: {state['images']}"
    if state["count"]:
        assert state["mathjax"], f"{page} has maths but MathJax did not load"
    problems = [
        f"{what}: {found[:5]}" for what, found in (
            ("maths left untypeset", state["raw"]),
            ("MathJax errors", state["errors"]),
            ("raw MyST or '??'", reading["rawMyst"]),
            ("raw TeX, or prose typeset as maths", reading["rawTex"]),
            ("unresolved references", reading["unresolved"]),
            ("boxes without a title", reading["untitled"]),
            ("equation tags missing or outside the column", reading["badTags"]),
            ("too wide at 1366 px", reading["overflow"]),
            ("blocks that scroll sideways at 1366 px", scrolling),
            (f"figure text below {SMALLEST_TEXT_PX:g} px", too_small_figures(figures)),
        ) if found
    ]
    assert not problems, f"{page}:\n" + "\n".join(problems)


STUDENT_CHAPTERS = [p for p in site_pages(STUDENT_SITE) if p.startswith("book/")]


@pytest.fixture(scope="module")
def student_server():
    if not STUDENT_SITE.joinpath("index.html").is_file():
        pytest.skip("the student edition was not built (make test builds it)")
    yield from serve(STUDENT_SITE)


@pytest.mark.parametrize("page", STUDENT_CHAPTERS or ["book/(student edition not built)"])
def test_student_page_fits(page, student_server, browser):
    """The student edition's chapter pages (exercises without solutions) as the full
    edition's: no code block or printed output scrolls sideways, no figure text is
    shrunk below the smallest size, nothing sticks out of the column."""
    context, tab, log = open_page(browser, student_server, page)
    tab.evaluate(_MATH_STATE)
    reading = tab.evaluate(_READING_STATE)
    figures = tab.evaluate(_FIGURE_STATE)
    scrolling = tab.evaluate(_SCROLLING_STATE)
    tab.wait_for_timeout(100)
    context.close()
    assert_clean(page, log)
    problems = [
        f"{what}: {found[:5]}" for what, found in (
            ("too wide at 1366 px", reading["overflow"]),
            ("blocks that scroll sideways at 1366 px", scrolling),
            (f"figure text below {SMALLEST_TEXT_PX:g} px", too_small_figures(figures)),
        ) if found
    ]
    assert not problems, f"student edition, {page}:\n" + "\n".join(problems)


class _Anchors(html.parser.HTMLParser):
    """The ids of a page (what a #fragment may name) and the ``href`` of its links."""

    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a":
            if attrs.get("name"):
                self.ids.add(attrs["name"])
            if "href" in attrs:
                self.links.append((attrs["href"] or "", (attrs.get("class") or "").split()))


@functools.lru_cache(maxsize=None)
def anchors(path):
    """Parse one HTML file of the build once (a ``pathlib.Path``)."""
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def broken_links(site, pages):
    """Internal links of ``pages`` whose target file or #fragment is missing in ``site``."""
    broken = []
    for page in pages:
        for href, classes in anchors(site / page).links:
            if not href.strip():
                if "reference" in classes:
                    broken.append(f"{page}: a.reference with an empty href")
                continue
            url = urlsplit(href)
            if url.scheme or url.netloc:
                continue  # outside links: the page test blocks and reports any request
            target = page
            if url.path:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(url.path)))
            file = site / target
            if file.is_dir():
                file = file / "index.html"
            if target.startswith("../") or not file.is_file():
                broken.append(f"{page}: {href} (no file {target})")
            elif url.fragment and file.suffix == ".html" and unquote(url.fragment) not in anchors(file).ids:
                broken.append(f"{page}: {href} (no id {unquote(url.fragment)!r} in {target})")
    return broken


def test_internal_links_resolve():
    """Every relative link of every page points to a file of the build, and to an id on it."""
    links = sum(len(anchors(SITE / page).links) for page in PAGES)
    assert links > 100, f"only {links} links found: is the site built?"
    broken = broken_links(SITE, PAGES)
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:30])


def test_ledger_gives_every_result_a_verdict():
    """The ledger is generated at build time: verdicts on the paper, Remarks apart."""
    import re

    from canon.ledger import REMARKS, RESULTS

    def text_of(page):
        html = SITE.joinpath("book", page).read_text(encoding="utf-8")
        return html, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))

    html, text = text_of("ledger.html")
    lead = re.search(
        r"(\d+) results of the paper: ([^.]+)\. (\d+) Remarks of the book: ([^.]+)\. "
        r"(\d+) certificates? recorded in this build, (\d+) of them implementation checks only",
        text)
    assert lead, "the ledger's lead line was not generated"
    assert int(lead.group(1)) == len(RESULTS) and int(lead.group(3)) == len(REMARKS)
    counts = [int(n) for n in re.findall(r"\d+", lead.group(2))]
    assert len(counts) == 4 and sum(counts) == len(RESULTS), lead.group(2)
    assert sum(int(n) for n in re.findall(r"\d+", lead.group(4))) == len(REMARKS)
    assert int(lead.group(5)) >= len(RESULTS), lead.group(0)
    assert "ledger-results" in html and "ledger-remarks" in html and "ledger-faults" in html
    kinds = re.search(r"by kind: (\d+) independent route, (\d+) control, (\d+) independent "
                      r"route and control, (\d+) consistency check\.", text)
    assert kinds and sum(map(int, kinds.groups())) == int(lead.group(5)), text[:600]
    caught = ROOT / "_build" / "faults" / "caught.json"
    if caught.exists():  # make test runs the fault matrix before the build
        import json

        n = len(json.loads(caught.read_text(encoding="utf-8"))["faults"])
        assert f"with {n} deliberate faults" in text, "the ledger does not show the fault run"
    # the introduction and the course page quote the counts computed in this same build
    for page in ("intro.html", "course.html"):
        assert lead.group(2) in text_of(page)[1], f"{page} does not quote {lead.group(2)!r}"


# -- A clean first visit: the favicon, the licence footer, no live code offline ----------

import urllib.request  # noqa: E402 (for the tests below)


class _RecordingHandler(_QuietHandler):
    """Serves the site and records every request's path and status, for the test below."""

    def log_request(self, code="-", size="-"):
        self.server.requests.append((self.path, int(code) if str(code).isdigit() else code))


def _student_site():
    return STUDENT_SITE if STUDENT_SITE.joinpath("index.html").is_file() else None


@pytest.mark.parametrize("edition", ["full", "student"])
def test_first_visit_has_a_favicon_and_no_error(edition, browser):
    """A browser's first visit asks for a favicon (the root page, which only redirects,
    names none: Chromium asks for /favicon.ico); every request must be answered."""
    site = SITE if edition == "full" else _student_site()
    if site is None:
        pytest.skip("the student edition was not built (make test builds it)")
    handler = functools.partial(_RecordingHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.requests = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    server = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        logs = []
        for page in ("index.html", "book/convexity.html"):
            context, tab, log = open_page(browser, server, page)
            tab.wait_for_timeout(1500)   # the favicon is fetched after the page's load event
            context.close()
            logs.append((page, log))
        # what a browser asks for where a page names no icon (or where it ignores SVG)
        with urllib.request.urlopen(f"{server}/favicon.ico", timeout=10) as response:
            ico = response.read()
    finally:
        httpd.shutdown()
    for page, log in logs:
        assert_clean(page, log)
    assert ico[:4] == b"\x00\x00\x01\x00", "/favicon.ico is not an ICO file"
    icons = [(path, status) for path, status in httpd.requests if "favicon" in path]
    assert any(path.endswith("/_static/favicon.svg") for path, _ in icons), icons
    missing = [(path, status) for path, status in httpd.requests if status != 200]
    assert not missing, f"requests not answered with 200: {missing}"


def test_every_page_names_the_favicon_and_states_the_licences():
    import re

    assert SITE.joinpath("favicon.ico").is_file(), "no /favicon.ico at the site's root"
    problems = []
    for page in PAGES:
        text = SITE.joinpath(page).read_text(encoding="utf-8")
        if page == "index.html" and "http-equiv=\"Refresh\"" in text:
            continue   # jupyter-book's redirect to the first page: /favicon.ico serves it
        icon = re.search(r'<link rel="icon" href="([^"]+)"', text)
        if not icon:
            problems.append(f"{page}: no <link rel=icon>")
        elif not SITE.joinpath(posixpath.dirname(page), icon.group(1)).is_file():
            problems.append(f"{page}: the icon {icon.group(1)} is missing")
        footer = re.search(r'<p class="canon-licence">(.*?)</p>', text, re.S)
        if not footer:
            problems.append(f"{page}: no licence line in the footer")
        elif not ("creativecommons.org/licenses/by/4.0/" in footer.group(1)
                  and "CC BY 4.0" in footer.group(1) and "MIT" in footer.group(1)):
            problems.append(f"{page}: the licence line names CC BY 4.0 and MIT: {footer.group(1)}")
    assert not problems, "\n".join(problems[:20])


def test_no_live_code_offline(server, browser):
    """Thebe is for the published site: offline no page has its button or its scripts,
    and a chapter page in the browser offers no live code and asks no outside host."""
    problems = []
    for page in PAGES:
        text = SITE.joinpath(page).read_text(encoding="utf-8")
        for marker in ("launch-thebe", "thebe-launch-button", "initThebe", "sphinx-thebe.js",
                       "THEBE_JS_URL", "unpkg.com", "mybinder.org", "colab.research"):
            if marker in text:
                problems.append(f"{page}: {marker}")
    assert not problems, "\n".join(problems[:20])
    context, tab, log = open_page(browser, server, "book/convexity.html")
    state = tab.evaluate("""() => ({
        buttons: document.querySelectorAll('.btn-launch-thebe, .thebe-launch-button, '
                                           + '[onclick*="initThebe"]').length,
        thebelab: typeof window.thebelab !== 'undefined',
        launch: document.querySelectorAll('.dropdown-launch-buttons').length})""")
    tab.wait_for_timeout(100)
    context.close()
    assert_clean("book/convexity.html", log)
    assert state == {"buttons": 0, "thebelab": False, "launch": 0}, state
