"""The student edition in a real browser: every exercise kept, every solution left out.

``make test`` builds it after the full edition, with ``CANON_STUDENT=1`` (see
``_ext/canon_sphinx.py``), into ``_build/student/_build/html``. What a solution says
is read from the full edition's HTML; then every chapter page of the student edition
is opened in headless Chromium and must have no console error, no ``.solution``
element and no solution cell of a code exercise (``.tag_solution``, hidden by
``_ext/canon_gated.py``), none of the solutions' ids or text, and the same exercises
as the full edition.

The student build does not execute the notebooks again: it renders their stored
outputs (which nbval checks against a fresh execution). The tests below check that
they print what the full build computed, with as many figures, and that the claims
ledger of the student edition is the full build's.

``CANON_SITE`` and ``CANON_STUDENT_SITE`` point the tests at other builds.
"""

import html.parser
import os
import pathlib
import re

import pytest
from test_site import SITE, assert_clean, browser, open_page, serve, site_pages  # noqa: F401

ROOT = pathlib.Path(__file__).resolve().parents[1]
STUDENT = pathlib.Path(os.environ.get(
    "CANON_STUDENT_SITE", ROOT / "_build" / "student" / "_build" / "html")).resolve()
CHAPTERS = [p for p in site_pages(STUDENT) if p.startswith("book/")]

pytestmark = pytest.mark.site

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}
_BLOCKS = {"p", "div", "section", "li", "ul", "ol", "dl", "dt", "dd", "pre", "table",
           "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "details",
           "summary", "figure", "figcaption", "br"}


def _normal(text):
    return re.sub(r"\s+", " ", text).strip()


class _Chapter(html.parser.HTMLParser):
    """What one built chapter page holds: exercises, solutions and cell outputs.

    A solution's text is kept as runs: stretches of plain text that a browser shows
    unchanged (maths, which MathJax replaces, and block boundaries end a run).
    """

    def __init__(self):
        super().__init__()
        self.stack = []            # (tag, role) of the open elements
        self.exercises = []        # ids of the exercise boxes
        self.solutions = []        # {"id": ..., "runs": [...]}
        self.outputs = []          # text of each cell output, whitespace normalized
        self.unchecked = []        # whether nbval ignores that output (it may change)
        self.images = []           # file names of the images in cell outputs
        self.outside = []          # text outside solutions, for telling runs apart
        self._run = []
        self._ignored = False

    def _roles(self):
        return {role for _, role in self.stack}

    def _end_run(self):
        text = _normal("".join(self._run))
        self._run = []
        if text and "solution" in self._roles():
            self.solutions[-1]["runs"].append(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag in _BLOCKS or "math" in classes:
            self._end_run()
        if tag == "img" and "output" in self._roles():
            self.images.append(pathlib.PurePosixPath(attrs.get("src") or "").name)
        if tag in _VOID:
            return
        role = None
        if tag == "div" and "exercise" in classes and attrs.get("id"):
            self.exercises.append(attrs["id"])
        elif tag == "div" and "solution" in classes:
            role = "solution"
            self.solutions.append({"id": attrs.get("id"), "runs": []})
        elif "math" in classes:
            role = "math"
        elif "stderr" in classes:
            role = "stderr"        # nbval does not compare it either
        elif tag == "div" and "cell" in classes:
            role = "cell"
            self._ignored = bool({"tag_nbval-ignore-output", "tag_nbval-skip"} & set(classes))
        elif tag == "div" and "cell_output" in classes:
            role = "output"
            self.outputs.append("")
            self.unchecked.append(self._ignored)
        self.stack.append((tag, role))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if tag in _BLOCKS or (self.stack and self.stack[-1][1] == "math"):
            self._end_run()
        # close up to the matching element (Sphinx's HTML is well formed)
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag in _BLOCKS:
            self._end_run()

    def handle_data(self, data):
        roles = self._roles()
        if "cell" in roles and ("NBVAL_IGNORE_OUTPUT" in data or "NBVAL_SKIP" in data):
            self._ignored = True
        if "output" in roles and "stderr" not in roles:
            self.outputs[-1] += data
        if "math" in roles:
            return
        if "solution" in roles:
            self._run.append(data)
        else:
            self.outside.append(data)


def read_chapter(path):
    chapter = _Chapter()
    chapter.feed(path.read_text(encoding="utf-8"))
    chapter.close()
    chapter.outputs = [_normal(text) for text in chapter.outputs]
    return chapter


def solution_texts(chapter):
    """For each solution: its longest run that nothing else on the page says."""
    outside = _normal(" ".join(chapter.outside))
    texts = []
    for solution in chapter.solutions:
        runs = sorted((r for r in solution["runs"] if len(r) >= 20 and r not in outside),
                      key=len, reverse=True)
        assert runs, f"solution {solution['id']} has no text of its own to look for"
        texts.append(runs[0])
    return texts


def test_student_edition_was_built():
    assert STUDENT.joinpath("index.html").is_file(), (
        f"build the student edition first (make test builds it): no {STUDENT}")
    assert CHAPTERS == [p for p in site_pages(SITE) if p.startswith("book/")]


def test_full_edition_has_solutions():
    """Without solutions in the full edition, the student checks would prove nothing."""
    solutions = [s for p in CHAPTERS for s in read_chapter(SITE / p).solutions]
    exercises = [e for p in CHAPTERS for e in read_chapter(SITE / p).exercises]
    assert len(solutions) >= 30 and len(exercises) >= 30, (len(solutions), len(exercises))


@pytest.fixture(scope="module")
def student_server():
    yield from serve(STUDENT)


# Everything in the DOM counts, shown or folded away.
_SOLUTIONS_LEFT = """([ids, texts]) => {
  const text = document.body.textContent.replace(/\\s+/g, ' ');
  return {
    elements: document.querySelectorAll('.solution, .tag_solution, [id*="-solution-"]').length,
    ids: ids.filter(id => document.getElementById(id) !== null),
    texts: texts.filter(t => text.includes(t)),
    exercises: Array.from(document.querySelectorAll('div.exercise[id]')).map(e => e.id),
    titles: (text.match(/Solution to Exercise [0-9.]+/g) || []),
  };
}"""


@pytest.mark.parametrize("page", CHAPTERS)
def test_student_page(page, student_server, browser):  # noqa: F811 (a fixture)
    full = read_chapter(SITE / page)
    ids = [s["id"] for s in full.solutions if s["id"]]
    texts = solution_texts(full)
    context, tab, log = open_page(browser, student_server, page)
    left = tab.evaluate(_SOLUTIONS_LEFT, [ids, texts])
    tab.wait_for_timeout(100)
    context.close()
    assert_clean(page, log)
    assert left["exercises"] == full.exercises, f"{page}: exercises differ from the full edition"
    assert not left["elements"], f"{page} has {left['elements']} solution elements"
    assert not left["ids"], f"{page} has elements with the ids of solutions: {left['ids']}"
    assert not left["titles"], f"{page} names solutions: {left['titles']}"
    assert not left["texts"], f"{page} shows the text of solutions: {left['texts']}"


def test_student_search_has_no_solutions():
    """The search box must not find a solution either."""
    index = STUDENT.joinpath("searchindex.js").read_text(encoding="utf-8")
    found = [t for p in CHAPTERS for t in solution_texts(read_chapter(SITE / p))
             if _normal(t) in index]
    assert not found, f"the student edition's search index holds solution text: {found[:3]}"


def test_student_downloads_have_no_solutions():
    leaks = []
    for page in CHAPTERS:
        source = STUDENT / "_sources" / pathlib.PurePosixPath(page).with_suffix(".ipynb")
        if source.is_file() and "{solution}" in source.read_text(encoding="utf-8"):
            leaks.append(source.relative_to(STUDENT).as_posix())
    assert not leaks, f"downloadable notebooks with solutions: {leaks}"


@pytest.mark.parametrize("page", CHAPTERS)
def test_student_outputs_are_the_full_builds(page):
    """The student build renders the stored outputs; they must say what the full build computed.

    Figures are counted, not compared: plots of round-off (singular values near 1e-16)
    change in their last pixels from one execution to the next. Outputs that nbval
    ignores (measured times) are skipped too.
    """
    full, student = read_chapter(SITE / page), read_chapter(STUDENT / page)
    assert len(student.images) == len(full.images), f"{page}: figures differ from the full edition"
    changed = [(a[:80], b[:80]) for a, b, ignored in zip(full.outputs, student.outputs, full.unchecked)
               if not ignored and a.replace(" ", "") != b.replace(" ", "")]
    assert len(student.outputs) == len(full.outputs) and not changed, (
        f"{page}: cell outputs differ from the full edition: {changed[:3]}")


def test_student_ledger_is_the_full_builds():
    """The student build executes nothing: its claims ledger must carry the full build's certificates."""
    pattern = r"\d+ results of the paper: [^<]*certificates? recorded in this build[^<]*"
    full, student = (re.search(pattern, site.joinpath("book", "ledger.html").read_text(encoding="utf-8"))
                     for site in (SITE, STUDENT))
    assert full and student and student.group(0) == full.group(0), (full, student)
