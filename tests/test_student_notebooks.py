"""The student notebooks (scripts/student_notebooks.py).

Unit tests of the solution stripping on small synthetic notebooks, then, for every
chapter of the book: the student copy has no solution and no output, keeps every
exercise, and still runs from a folder of its own; every numbered chapter has a code
exercise whose self-check passes on the book's solution and fails on the student's
skeleton.
"""

import asyncio
import importlib.util
import os
import pathlib
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "student_notebooks", ROOT / "scripts" / "student_notebooks.py")
student_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_notebooks)

code_exercises = student_notebooks.code_exercises
strip_solutions = student_notebooks.strip_solutions
student_notebook = student_notebooks.student_notebook
SolutionParseError = student_notebooks.SolutionParseError

CHAPTERS = student_notebooks.chapter_notebooks()


def _numbered_chapters(toc=ROOT / "_toc.yml"):
    """The notebooks of the table of contents' numbered parts (not the appendix)."""
    import yaml

    parts = yaml.safe_load(toc.read_text(encoding="utf-8"))["parts"]
    files = [c["file"] for part in parts if part.get("numbered")
             for c in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").is_file()]


NUMBERED = _numbered_chapters()
#: Seconds one cell may take: the slowest chapter runs in about 15 s on a free machine.
CELL_TIMEOUT = 180

EXERCISE = """\
```{exercise} Count the copies
:label: ex-test-1

How many distinct vectors?
```"""

SOLUTION = """\
```{solution} ex-test-1
:class: dropdown

Twelve, because swapping two identical units changes nothing.
```"""


def strip(source):
    text, gated, removed = strip_solutions(source)
    assert not gated
    return text, removed


def exercise_labels(text):
    return re.findall(r"^[`:~]{3,}\{exercise\}.*\n:label: (\S+)", text, re.M)


def exercise_blocks(text):
    """Every exercise directive, from its opening fence to its closing one."""
    return [m.group(0) for m in
            re.finditer(r"^([`:~]{3,})\{exercise\}.*?^\1[ \t]*$", text, re.M | re.S)]


# -- the stripping, on synthetic cells ----------------------------------------------------

def test_solution_alone_in_a_cell_is_removed_with_the_cell():
    assert strip(SOLUTION) == ("", 1)
    nb = new_notebook(cells=[new_markdown_cell(EXERCISE), new_markdown_cell(SOLUTION),
                             new_markdown_cell("After the solution.")])
    student, removed = student_notebook(nb, "toy", title="Toy")
    assert removed == 1
    assert [c.source for c in student.cells[1:]] == [EXERCISE, "After the solution."]


def test_solution_sharing_a_cell_keeps_the_rest():
    source = f"## Exercises\n\n{EXERCISE}\n\n{SOLUTION}\n\nA closing remark.\n"
    text, removed = strip(source)
    assert removed == 1
    assert text == f"## Exercises\n\n{EXERCISE}\n\nA closing remark."
    # a solution right after text, with no blank line between
    text, _ = strip(f"Before.\n{SOLUTION}\nAfter.")
    assert text == "Before.\nAfter."


def test_nested_fences_inside_a_solution_go_with_it():
    source = (f"{EXERCISE}\n\n"
              "````{solution} ex-test-1\n:class: dropdown\n\nRun this:\n\n"
              "```python\nprint('```')   # a fence in a string\nx = 1\n```\n\n"
              "~~~\nliteral\n~~~\n\n"
              "```{math}\nx^2\n```\n"
              "````\n\n"
              "::::{solution} ex-test-2\n:::{note}\nA note.\n:::\n::::\n\nEnd.")
    text, removed = strip(source)
    assert removed == 2
    assert text == f"{EXERCISE}\n\nEnd."


def test_a_solution_inside_another_directive_is_removed_too():
    source = f"````{{admonition}} Try it\n{EXERCISE}\n\n{SOLUTION}\n````"
    assert strip(source) == (f"````{{admonition}} Try it\n{EXERCISE}\n\n````", 1)


def test_a_fence_that_only_shows_the_syntax_is_kept():
    source = "How to write one:\n\n````md\n```{solution} ex-1\nText.\n```\n````"
    assert strip(source) == (source, 0)


@pytest.mark.parametrize("source, message", [
    ("```{solution} ex-test-1\nNever closed.\n", "never closed"),
    ("````{solution} ex-test-1\n```python\nx = 1\n````", "never closed"),
    ("```{solution} ex-test-1\n```python\nx = 1\n```\n```", "close it early"),
    (f"{EXERCISE}\n\n```{{solution}} ex-test-1\n:::{{note}}\nopen\n```", "never closed"),
])
def test_unbalanced_fences_raise(source, message):
    with pytest.raises(SolutionParseError, match=message):
        strip_solutions(source, "toy.ipynb, cell 3")
    nb = new_notebook(cells=[new_markdown_cell(source)])
    with pytest.raises(SolutionParseError, match=r"toy\.ipynb, cell 0"):
        student_notebook(nb, "toy")


def test_gated_solution_removes_the_code_cells_it_spans():
    nb = new_notebook(cells=[
        new_markdown_cell(f"{EXERCISE}\n\n```{{solution-start}} ex-test-1\n```\nThe idea."),
        new_code_cell("secret = 42"),
        new_markdown_cell("Still the solution.\n\n```{solution-end}\n```\n\nAfter."),
        new_code_cell("kept = 1"),
    ])
    student, removed = student_notebook(nb, "toy")
    assert removed == 1
    assert [c.source for c in student.cells[1:]] == [EXERCISE, "After.", "kept = 1"]
    unclosed = new_notebook(cells=[new_markdown_cell("```{solution-start} ex-1\n```")])
    with pytest.raises(SolutionParseError, match="never closed"):
        student_notebook(unclosed, "toy")


def _code_exercise(skeleton="def f():\n    # TODO\n    raise NotImplementedError"):
    return [
        new_markdown_cell("```{exercise-start} Write f\n:label: ex-t\n```\nDo it."),
        new_code_cell(skeleton, metadata={"tags": ["skeleton"]}),
        new_markdown_cell("```{exercise-end}\n```"),
        new_markdown_cell("```{solution-start} ex-t\n:class: dropdown\n```"),
        new_code_cell("def f():\n    return 1", metadata={"tags": ["solution"]}),
        new_markdown_cell("```{solution-end}\n```"),
        new_code_cell("assert f() == 1\nprint('Correct')",
                      metadata={"tags": ["self-check"]}),
    ]


def test_a_code_exercise_is_found_and_its_check_may_fail_in_the_copy():
    nb = new_notebook(cells=[new_markdown_cell("# T"), *_code_exercise()])
    assert code_exercises(nb) == [(2, 5, 7)]
    student, removed = student_notebook(nb, "toy")
    assert removed == 1
    tagged = [c.metadata.get("tags", []) for c in student.cells if c.cell_type == "code"]
    assert tagged == [["skeleton"], ["self-check", "raises-exception"]]
    assert code_exercises(nb) == [(2, 5, 7)]   # the source notebook is left unchanged
    assert "raises-exception" not in nb.cells[7].metadata["tags"]


@pytest.mark.parametrize("broken, message", [
    (lambda cells: cells[1].update(source="def f():\n    pass"), "TODO"),
    (lambda cells: cells.pop(4), "follows its skeleton and its solution"),
    (lambda cells: cells.pop(6), "no solution and self-check"),
    (lambda cells: cells.insert(0, cells.pop(1)), "inside a gated exercise"),
    (lambda cells: cells.insert(3, cells.pop(6)), "follows its skeleton"),
])
def test_a_misplaced_exercise_cell_is_refused(broken, message):
    cells = _code_exercise()
    broken(cells)
    with pytest.raises(ValueError, match=message):
        code_exercises(new_notebook(cells=cells), "toy")


def test_outputs_and_counts_are_cleared_and_a_header_added():
    code = new_code_cell("print(1)", execution_count=3,
                         outputs=[new_output("stream", name="stdout", text="1\n")])
    code.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    code.metadata["tags"] = ["hide-input"]
    nb = new_notebook(cells=[new_markdown_cell("# A chapter\n\nText."), code])
    student, _ = student_notebook(nb, "chapter")
    header, _, cell = student.cells
    assert "Student copy" in header.source and "`book/chapter.ipynb`" in header.source
    assert "*A chapter*" in header.source
    assert cell.outputs == [] and cell.execution_count is None
    assert cell.metadata == {"tags": ["hide-input"]}
    assert nb.cells[1].outputs and nb.cells[1].execution_count == 3   # source untouched
    nbformat.validate(student)


def test_the_script_stops_with_a_clear_message(tmp_path, monkeypatch, capsys):
    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    for path, source in [(good, f"{EXERCISE}\n\n{SOLUTION}"), (bad, "```{solution} ex-1\nopen")]:
        nbformat.write(new_notebook(cells=[new_markdown_cell(source)]), path)
    out = tmp_path / "out"
    monkeypatch.setattr(student_notebooks, "chapter_notebooks", lambda toc: [good, bad])
    assert student_notebooks.main(["--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert "cannot parse a solution: bad.ipynb, cell 0, line 1" in error
    assert "never closed" in error
    assert not out.exists()   # nothing is written when a chapter cannot be parsed
    monkeypatch.setattr(student_notebooks, "chapter_notebooks", lambda toc: [good])
    assert student_notebooks.main(["--out", str(out), "--kernel", "canon"]) == 0
    assert "1 student notebook (1 solution removed)" in capsys.readouterr().out
    written = nbformat.read(out / "good.ipynb", as_version=4)
    assert "{solution" not in "\n".join(c.source for c in written.cells)
    assert written.metadata.kernelspec.name == "canon"


# -- every chapter of the book ---------------------------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("student-notebooks")
    written = student_notebooks.write_student_notebooks(out)
    return {path.stem: path for path, _ in written}


def test_every_chapter_with_exercises_is_listed():
    assert len(CHAPTERS) >= 8, CHAPTERS
    with_exercises = {p.name for p in (ROOT / "book").glob("*.ipynb")
                      if "{exercise}" in p.read_text(encoding="utf-8")}
    assert with_exercises <= {p.name for p in CHAPTERS}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_copy_has_exercises_but_no_solutions_or_outputs(chapter, generated):
    source = nbformat.read(chapter, as_version=4)
    student = nbformat.read(generated[chapter.stem], as_version=4)
    source_text = "\n".join(c.source for c in source.cells)
    student_text = "\n".join(c.source for c in student.cells)
    assert "{solution" in source_text, "the chapter has no solution to remove"
    assert "{solution" not in student_text
    labels = exercise_labels(source_text)
    assert labels and exercise_labels(student_text) == labels
    assert student_text.count("{exercise}") == source_text.count("{exercise}")
    blocks = exercise_blocks(source_text)
    assert len(blocks) == len(labels)
    assert all(block in student_text for block in blocks)   # each exercise kept verbatim
    code = [c for c in student.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    if "{solution-start}" not in source_text:   # no code cell can belong to a solution
        assert [c.source for c in code] == [
            c.source for c in source.cells if c.cell_type == "code"]
    assert student.cells[0].id == "student-copy"
    assert f"book/{chapter.name}" in student.cells[0].source


@pytest.mark.parametrize("chapter", NUMBERED, ids=lambda p: p.stem)
def test_every_numbered_chapter_has_a_code_exercise_that_the_book_solves(chapter):
    nb = nbformat.read(chapter, as_version=4)
    exercises = code_exercises(nb, chapter.stem)
    assert exercises, f"{chapter.name} has no code exercise (skeleton + self-check)"
    for _, _, check in exercises:
        outputs = nb.cells[check].outputs
        assert not [o for o in outputs if o.output_type == "error"]
        printed = "".join(o.get("text", "") for o in outputs)
        assert printed.lstrip().startswith("Correct"), (chapter.name, check, printed)


@pytest.fixture(scope="module")
def executed(generated, tmp_path_factory):
    """Run every student notebook, two kernels at a time, each in a folder of its own."""
    from nbclient import NotebookClient

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env.pop("CANON_LEDGER_DIR", None)   # record no certificate into a build's ledger
    errors = {}
    notebooks = {}

    async def run(name, path, slots):
        async with slots:
            folder = tmp_path_factory.mktemp(f"run-{name}")
            nb = nbformat.read(path, as_version=4)
            notebooks[name] = nb
            client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                    resources={"metadata": {"path": str(folder)}})
            try:
                await client.async_execute(env=env)
            except Exception as error:   # reported by the test of that chapter
                errors[name] = f"{type(error).__name__}: {error}"[-3000:]
            else:
                errors[name] = None

    async def run_all():
        slots = asyncio.Semaphore(min(2, os.cpu_count() or 1))
        await asyncio.gather(*(run(name, path, slots) for name, path in generated.items()))

    asyncio.run(run_all())
    return errors, notebooks


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_copy_runs_from_any_folder(chapter, executed):
    errors, _ = executed
    assert errors[chapter.stem] is None, errors[chapter.stem]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", NUMBERED, ids=lambda p: p.stem)
def test_every_self_check_fails_on_the_students_skeleton(chapter, executed):
    errors, notebooks = executed
    assert errors[chapter.stem] is None, errors[chapter.stem]
    nb = notebooks[chapter.stem]
    checks = [c for c in nb.cells if "self-check" in c.metadata.get("tags", [])]
    assert checks, f"{chapter.name}: the student copy has no self-check"
    for cell in checks:
        raised = [o for o in cell.outputs if o.output_type == "error"]
        assert raised, f"{chapter.name}: a self-check passed on the skeleton:\n{cell.source}"
        assert raised[0].ename in ("AssertionError", "NotImplementedError"), (
            f"{chapter.name}: the self-check failed for another reason, "
            f"{raised[0].ename}: {raised[0].evalue}")
    others = [c for c in nb.cells if c.cell_type == "code" and c not in checks
              and any(o.output_type == "error" for o in c.outputs)]
    assert not others
