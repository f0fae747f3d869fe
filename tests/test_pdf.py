"""The PDF edition: the whole book through Sphinx's LaTeX and pdflatex.

The book is built with ``--builder pdflatex`` into a temporary folder, from the
notebooks' stored outputs (execution off: nbval and the strict HTML build already
re-execute every chapter, and nbval keeps the stored outputs equal to fresh ones).
The claims ledger is filled from the certificates the HTML build recorded in
``_build/ledger``, when there are any (``make test`` builds the site first).
Any LaTeX error fails the build: a unicode character pdflatex cannot map, a ``\\tag``
amsmath rejects, a table LaTeX cannot set. The PDF's text must then hold the
theorem and proof boxes, the paper's equation numbers, figures with their captions,
exercises with solutions, and no undefined reference ("??").

Needs Debian's TeX Live and poppler (``make texlive``). Without them the tests skip,
unless ``CANON_REQUIRE_PDF=1`` (set by CI), where they fail.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
JUPYTER_BOOK = pathlib.Path(sys.executable).with_name("jupyter-book")
TOOLS = ("pdflatex", "latexmk", "pdftotext", "pdfinfo", "pdfimages")

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """Build the PDF once; return its path, its LaTeX source and log, and its text."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"the PDF edition needs {', '.join(missing)}: run `make texlive`"
        if os.environ.get("CANON_REQUIRE_PDF") == "1":
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("pdf")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    # paths in a config file are read relative to the file: point them back at the book
    config["sphinx"]["local_extensions"] = {
        name: str(ROOT / path) for name, path in config["sphinx"]["local_extensions"].items()}
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    # the certificates of the last executed build fill the ledger's table, as in `make pdf`
    if (ROOT / "_build" / "ledger").is_dir():
        shutil.copytree(ROOT / "_build" / "ledger", out / "_build" / "ledger")
    run = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(ROOT), "--all", "-W", "-n", "--keep-going",
         "--builder", "pdflatex", "--config", str(out / "_config.yml"),
         "--path-output", str(out)],
        # TeX wraps its terminal output at a byte count and can split a UTF-8 character
        capture_output=True, text=True, errors="replace", timeout=900, cwd=ROOT)
    latex = out / "_build" / "latex"
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    pdf = latex / "canon-book.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return {
        "pdf": pdf,
        "tex": (latex / "canon-book.tex").read_text(encoding="utf-8"),
        "log": (latex / "canon-book.log").read_text(encoding="latin-1"),
        "text": text,
    }


def _toc_pages(entries, numbered, found):
    for entry in entries or []:
        if "file" in entry:
            found.append((entry["file"], numbered))
        _toc_pages(entry.get("sections"), numbered, found)


def numbered_positions(toc):
    """Positions (1 = first page after the root) of the pages in numbered parts."""
    found = []
    for part in toc.get("parts", [{"chapters": toc.get("chapters")}]):
        _toc_pages(part.get("chapters"), bool(part.get("numbered")), found)
    return [i for i, (_, numbered) in enumerate(found, start=1) if numbered]


def test_numbered_chapters_follow_the_toc():
    # the LaTeX preamble numbers chapters by page position: it must list the pages of
    # _toc.yml's numbered parts, or the PDF's chapter numbers leave the web edition's
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    preamble = yaml.safe_load((ROOT / "_config.yml").read_text())[
        "sphinx"]["config"]["latex_elements"]["preamble"]
    listed = re.search(r"\\newcommand\\canonnumberedpages\{([\d,]*)\}", preamble)
    assert listed, "the preamble lost \\canonnumberedpages"
    expected = ",".join(map(str, numbered_positions(toc)))
    assert listed[1] == expected, (
        f"set \\newcommand\\canonnumberedpages{{{expected}}} in _config.yml's LaTeX preamble")


def test_pages(edition):
    info = subprocess.run(["pdfinfo", str(edition["pdf"])],
                          capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
    assert pages >= 100, info


def test_no_undefined_references(edition):
    assert "??" not in edition["text"]
    log = edition["log"].replace("\n", "")  # TeX wraps its log at 79 columns
    assert "There were undefined references" not in log
    assert not re.search(r"[Rr]eference `[^']*' on page \d+ undefined", log)


def test_nothing_runs_off_the_page(edition):
    # a table or box taller than a page is cut off by TeX, which only says so in its log
    heights = [float(h) for h in re.findall(
        r"Overfull \\vbox \(([\d.]+)pt too high\)", edition["log"])]
    assert max(heights, default=0) < 20, f"content cut off at the page foot: {sorted(heights)[-3:]} pt"


def test_theorem_and_proof_boxes(edition):
    text = edition["text"]
    for name in ("Theorem 1", "Corollary 1", "Lemma 1", "Lemma 2", "Theorem 2"):
        assert name in text, name
    # sphinx-proof's boxes: a titled theorem box, a definition box and proofs
    assert re.search(r"Theorem \(Theorem 1 of the paper", text)
    assert "Definition (" in text
    assert len(re.findall(r"\bProof\.", text)) >= 3


def test_the_papers_equation_numbers(edition):
    # the tags reach LaTeX, and each is set at the right of its display: "... (9)"
    tags = set(re.findall(r"\\tag\{(\d+)\}", edition["tex"]))
    assert {str(n) for n in range(1, 11)} <= tags, sorted(tags)
    lines = edition["text"].splitlines()
    for n in range(1, 11):
        assert any(re.search(rf"\S\s{{2,}}\({n}\)\s*$", line) for line in lines), f"({n})"


def test_figures_with_captions(edition):
    captions = re.findall(r"^\s*Figure \d+\. \S", edition["text"], re.M)
    assert len(captions) >= 5, captions
    images = subprocess.run(["pdfimages", "-list", str(edition["pdf"])],
                            capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) - 2 >= 20, images[:500]


def test_exercises_and_solutions(edition):
    text = edition["text"]
    # chapters carry the web edition's numbers, so Exercise 4.1 sits in chapter 4
    assert re.search(r"^\s*4\.\d+ Exercises", text, re.M) or re.search(
        r"Chapter 4\. .*\n(?:.*\n){0,80}?\s*Exercise 4\.1 \(", text)
    exercises = re.findall(r"^\s*Exercise [\d.]+ \(", text, re.M)
    solutions = re.findall(r"^\s*Solution to Exercise [\d.]+ \(", text, re.M)
    assert len(exercises) >= 8 and len(solutions) >= 8, (len(exercises), len(solutions))


def test_printed_outputs_and_certificates(edition):
    # cell outputs are in the PDF: a certificate's printed line
    assert re.search(r"certif", edition["text"], re.I)
    assert edition["text"].count("canon.certify(") >= 10


#: A code line the test can look for in the PDF's text: plain characters only (no
#: quotes or symbols that LaTeX or pdftotext might render differently), short enough
#: that the PDF never wraps it.
_PLAIN_LINE = re.compile(r"[A-Za-z_][A-Za-z0-9_(),.= ]{19,59}")


def _squeeze(text):
    return re.sub(r"\s+", "", text)


def code_lines_by_fold():
    """Per chapter, distinctive code lines of folded (``hide-input``) and shown cells.

    A line counts only if no other cell of any chapter, and no markdown, contains it, so
    that finding it in the PDF means that this very cell was printed.
    """
    import nbformat

    notebooks = {p.stem: nbformat.read(p, as_version=4) for p in sorted((ROOT / "book").glob("*.ipynb"))}
    everywhere = {}
    for name, nb in notebooks.items():
        for index, cell in enumerate(nb.cells):
            for line in cell.source.splitlines():
                everywhere.setdefault(_squeeze(line), set()).add((name, index))
    found = {}
    for name, nb in notebooks.items():
        hidden, shown = [], []
        for index, cell in enumerate(nb.cells):
            tags = cell.metadata.get("tags", [])
            if cell.cell_type != "code" or {"remove-cell", "remove-input"} & set(tags):
                continue
            lines = [line.strip() for line in cell.source.splitlines()
                     if _PLAIN_LINE.fullmatch(line.strip())
                     and everywhere[_squeeze(line)] == {(name, index)}]
            if lines:
                (hidden if "hide-input" in tags else shown).append(max(lines, key=len))
        found[name] = (hidden, shown)
    return found


def test_folded_figure_code_is_left_out(edition):
    """A cell tagged hide-input (figure code, folded on the web) prints its figure in
    the PDF but not its code; the code of an ordinary cell is printed (the control: the
    search would find a folded cell's code if it were there)."""
    text = _squeeze(edition["text"])
    lines = code_lines_by_fold()
    folded = [(name, line) for name, (hidden, _) in lines.items() for line in hidden]
    assert folded, "no chapter has a hide-input cell with a distinctive code line"
    printed = [f"{name}: {line}" for name, line in folded if _squeeze(line) in text]
    assert not printed, "the PDF prints the code of hide-input cells:\n" + "\n".join(printed)
    for name, (hidden, shown) in lines.items():
        if hidden:  # the control, in every chapter that folds a cell
            assert shown, f"{name}: no shown cell with a distinctive line to compare with"
            missing = [line for line in shown if _squeeze(line) not in text]
            assert len(missing) < len(shown) / 2, (
                f"{name}: the PDF lacks the code of most shown cells: {missing[:5]}")
