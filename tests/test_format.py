"""The chapters read online without sideways scrolling: code and printed lines fit.

Every code cell is formatted by ruff's formatter at 79 columns, no code line is longer
than 79 characters (the formatter does not split strings or comments; 77 in an
exercise's skeleton and solution cells, which sit in a narrower box), and no printed
output line is longer than 80.
"""

import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

BOOK = pathlib.Path(__file__).resolve().parents[1] / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
CODE_COLUMNS = 79
OUTPUT_COLUMNS = 80
# A gated exercise or solution renders its cells inside a box, which is narrower:
# at 1366 px a 78-column line of a skeleton scrolled by 3 px in the browser check.
EXERCISE_COLUMNS = 77
EXERCISE_TAGS = {"skeleton", "solution"}


def ruff():
    """The ruff executable of this environment (installed with the test extra)."""
    found = pathlib.Path(sys.executable).with_name("ruff")
    return str(found) if found.exists() else shutil.which("ruff")


def long_lines(notebook):
    """(cell, kind, line) of every code line over 79 and printed line over 80 columns."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown":
            found += [(i, "fenced code", line)
                      for line in fenced_lines("".join(cell["source"]))
                      if len(line) > CODE_COLUMNS]
        if cell["cell_type"] != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        room = EXERCISE_COLUMNS if tags & EXERCISE_TAGS else CODE_COLUMNS
        for line in "".join(cell["source"]).splitlines():
            if len(line) > room:
                found.append((i, "code", line))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                for line in "".join(output["text"]).splitlines():
                    if len(line) > OUTPUT_COLUMNS:
                        found.append((i, "output", line))
    return found


def fenced_lines(text):
    """The lines inside fenced code blocks (```lang ... ```), not inside directives
    (```{name} ... ```), which MyST renders as prose; directives may hold code blocks."""
    lines, stack = [], []   # stack: (backticks, is_code) of the open fences
    for line in text.splitlines():
        opened = re.match(r"\s*(`{3,})(.*)$", line)
        in_code = bool(stack) and stack[-1][1]
        if opened and stack and opened.group(1) == stack[-1][0] \
                and not opened.group(2).strip():
            stack.pop()
        elif opened and not in_code:
            stack.append((opened.group(1),
                          not opened.group(2).lstrip().startswith("{")))
        elif in_code:
            lines.append(line)
    return lines


PAGES = sorted(BOOK.glob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_code_blocks_of_pages_fit(page):
    """Code blocks of the Markdown pages fit the column as code cells do."""
    found = [line for line in fenced_lines(page.read_text(encoding="utf-8"))
             if len(line) > CODE_COLUMNS]
    assert not found, f"{page.name}: code lines over {CODE_COLUMNS} columns: {found[:5]}"


def test_there_are_chapters():
    assert len(CHAPTERS) >= 9


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_code_cells_are_formatted(notebook):
    if ruff() is None:
        pytest.fail("ruff is missing: it comes with the test extra (make test installs it)")
    run = subprocess.run([ruff(), "format", "--line-length", str(CODE_COLUMNS), "--check",
                          "--diff", str(notebook)], capture_output=True, text=True)
    assert run.returncode == 0, f"{notebook.name} is not ruff-formatted:\n{run.stdout[-3000:]}"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_lines_fit_the_page(notebook):
    found = long_lines(notebook)
    shown = "\n".join(f"  cell {i} ({kind}, {len(line)}): {line[:100]}" for i, kind, line in found[:10])
    assert not found, f"{notebook.name}: {len(found)} lines too long:\n{shown}"


def test_the_check_sees_a_long_line(tmp_path):
    """Control: a notebook with one long code line and one long printed line fails."""
    cell = {"cell_type": "code", "source": "x = 1  # " + "y" * 80, "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "z" * 81}],
            "execution_count": 1}
    notebook = tmp_path / "long.ipynb"
    notebook.write_text(json.dumps({"cells": [cell]}), encoding="utf-8")
    assert [kind for _, kind, _ in long_lines(notebook)] == ["code", "output"]
    skeleton = {"cell_type": "code", "source": "# " + "s" * 76, "outputs": [],
                "metadata": {"tags": ["skeleton"]}, "execution_count": None}
    notebook.write_text(json.dumps({"cells": [skeleton]}), encoding="utf-8")
    assert [kind for _, kind, _ in long_lines(notebook)] == ["code"]
    fenced = {"cell_type": "markdown", "metadata": {},
              "source": "```{exercise} Title\ntext " + "w" * 90 + "\n```\n"
                        "```python\nx = 1  # " + "y" * 80 + "\n```\n"}
    notebook.write_text(json.dumps({"cells": [fenced]}), encoding="utf-8")
    assert [kind for _, kind, _ in long_lines(notebook)] == ["fenced code"]
