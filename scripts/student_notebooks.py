"""Write the student copies of the chapter notebooks.

For every chapter notebook listed in ``_toc.yml`` (``book/*.ipynb``) this writes a copy
to an output folder (default ``_build/student-notebooks/``) in which

- every exercise solution is removed: the whole ``{solution}`` directive of a markdown
  cell, nested code fences included, and the rest of the cell (the exercise, the text
  around it) kept; a solution written with sphinx-exercise's gated form
  (``{solution-start}`` ... ``{solution-end}``) is removed with every cell between the
  two, code cells included;
- every output, execution count and execution timing is cleared;
- every self-check of a code exercise (a code cell tagged ``self-check``, which follows
  the exercise's skeleton, tagged ``skeleton``, and its gated solution) is tagged
  ``raises-exception`` as well: in the copy it checks the student's unfinished skeleton
  and fails until the skeleton is completed, and *Run All* (or nbclient) goes on past it;
- a first markdown cell says that this is the student copy and how to run it.

The copies are never edited by hand: this script is their only source. Run it with
``make student-notebooks``, or ``python scripts/student_notebooks.py --out DIR``; with
``--kernel NAME`` the copies open with that Jupyter kernel (for example the ``canon``
kernel registered on a JupyterHub) instead of the chapters' ``python3``.

A solution whose fences cannot be matched (a fence left open, or a nested fence as long
as the solution's own, which would end the solution early) stops the script with a
message naming the notebook and the cell.
"""

import argparse
import copy
import pathlib
import re
import sys

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "_build" / "student-notebooks"

#: Directive names whose content is a solution (sphinx-exercise).
SOLUTION = "solution"
GATED_START = "solution-start"
GATED_END = "solution-end"
_SOLUTION_NAMES = (SOLUTION, GATED_START, GATED_END)

#: Cell tags of a code exercise: the code to complete, its solution, and the check.
SKELETON = "skeleton"
SOLUTION_CELL = "solution"
SELF_CHECK = "self-check"
#: The tag with which Jupyter's runners expect a cell to raise and carry on.
RAISES = "raises-exception"

# An opening or closing fence of backticks, tildes or colons (MyST's colon_fence),
# with the rest of the line: an info string such as ``{solution} ex-1`` or ``python``.
_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*?)\s*$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}")

HEADER = """\
**Student copy.** This is the notebook of the chapter *{title}* with the
solutions of its exercises and all outputs removed. It is generated from the book's
source, `book/{name}.ipynb`, by `scripts/student_notebooks.py` (`make student-notebooks`);
work in it freely, and generate it again for a fresh copy.

**How to run it.** Open it in JupyterLab or Jupyter Notebook with a Python kernel in
which the book's package `canon` is installed (the README's commands install it in
`.venv/`), then run the cells from the top: *Run → Run All Cells*, or
Shift+Enter cell by cell. Every cell runs in seconds. The exercises are at the end;
the book's web pages show them as boxes, Jupyter shows them as fenced text.
A code exercise gives a function to complete (its cell says `# TODO`) and then a
*self-check* cell: it fails until your function is right, and then prints `Correct`."""


class SolutionParseError(ValueError):
    """A solution directive whose fences do not match."""


def chapter_notebooks(toc=ROOT / "_toc.yml"):
    """The chapter notebooks listed in the table of contents, in its order.

    Parameters
    ----------
    toc : path-like
        The Jupyter Book ``_toc.yml``.

    Returns
    -------
    list of pathlib.Path
        Every entry of the table of contents that is a notebook (``.ipynb``) file.
    """
    toc = pathlib.Path(toc)
    entries = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    entries.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(toc.read_text(encoding="utf-8")))
    notebooks = []
    for entry in entries:
        path = toc.parent / entry
        path = path if path.suffix == ".ipynb" else path.with_suffix(".ipynb")
        if path.is_file() and path not in notebooks:
            notebooks.append(path)
    return notebooks


def strip_solutions(source, where="markdown cell", gated=False):
    """Remove the solution directives from the source of one markdown cell.

    Parameters
    ----------
    source : str
        The cell's MyST markdown.
    where : str
        Names the cell in error messages.
    gated : bool
        True if the cell starts inside a gated solution (a ``{solution-start}`` of an
        earlier cell not yet closed by ``{solution-end}``).

    Returns
    -------
    text : str
        The source without its solutions; empty if nothing else was in the cell.
    gated : bool
        True if the cell ends inside a gated solution.
    removed : int
        How many solutions were removed (a gated solution counts where it starts).

    Raises
    ------
    SolutionParseError
        If a fence of a cell that holds a solution is never closed, or a solution holds
        a nested fence that would close it early.
    """
    lines = source.split("\n")
    blocks = _fenced_blocks(lines, where, strict="{" + SOLUTION in source)
    drop = set()
    removed = 0
    start = 0 if gated else None   # first line of the open gated solution
    for first, last, name, depth in blocks:
        if name in (GATED_START, GATED_END) and depth:
            raise SolutionParseError(
                f"{where}, line {first + 1}: {{{name}}} inside another directive")
        if gated:
            if name == GATED_END:
                drop.update(range(start, last + 1))
                gated = False
        elif first in drop:
            continue   # inside a solution already removed
        elif name == SOLUTION:
            drop.update(range(first, last + 1))
            removed += 1
        elif name == GATED_START:
            gated, start = True, first
            removed += 1
        elif name == GATED_END:
            raise SolutionParseError(
                f"{where}, line {first + 1}: {{{GATED_END}}} without a {{{GATED_START}}}")
    if gated:
        drop.update(range(start, len(lines)))
    return _without(lines, drop), gated, removed


def student_notebook(nb, name="notebook", title=None, kernel=None):
    """The student copy of a chapter notebook.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The chapter notebook (left unchanged).
    name : str
        The notebook's file name without ``.ipynb``, used in the first cell and in errors.
    title : str, optional
        The chapter's title; by default the first ``# `` heading of the notebook.
    kernel : str, optional
        The name of the Jupyter kernel the copy asks for; by default the chapter's.

    Returns
    -------
    student : nbformat.NotebookNode
        A copy without solutions, outputs and execution counts, with a first markdown
        cell that says what it is.
    removed : int
        How many solutions were removed.

    Raises
    ------
    SolutionParseError
        If a solution's fences cannot be matched, or a gated solution is never closed.
    """
    student = copy.deepcopy(nb)
    title = title or _title(nb) or name
    cells = []
    gated = False
    removed = 0
    for index, cell in enumerate(student.cells):
        where = f"{name}.ipynb, cell {index}"
        if cell.cell_type == "markdown":
            was_gated = gated
            text, gated, count = strip_solutions(cell.source, where, gated)
            removed += count
            if text.strip():
                cell.source = text
                cells.append(cell)
            elif not (was_gated or count):
                cells.append(cell)   # an empty cell of the source, not one we emptied
            continue
        if gated:
            continue   # a code or raw cell inside a gated solution
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            tags = cell.metadata.get("tags", [])
            if SELF_CHECK in tags and RAISES not in tags:
                cell.metadata["tags"] = [*tags, RAISES]
        cells.append(cell)
    if gated:
        raise SolutionParseError(
            f"{name}.ipynb: a {{{GATED_START}}} is never closed by {{{GATED_END}}}")
    header = nbformat.v4.new_markdown_cell(HEADER.format(title=title, name=name))
    header.id = "student-copy"
    student.cells = [header] + cells
    for cell in student.cells:
        cell.metadata.pop("execution", None)   # timings of the last run
    if kernel:
        student.metadata["kernelspec"] = {"name": kernel, "display_name": kernel,
                                          "language": "python"}
    return student, removed


def code_exercises(nb, name="notebook"):
    """The code exercises of a chapter notebook, each checked for its shape.

    A code exercise is a ``skeleton`` code cell inside a gated exercise
    (``{exercise-start}`` ... ``{exercise-end}``) with a ``# TODO`` in it, then a gated
    solution (``{solution-start}`` ... ``{solution-end}``) holding the ``solution``
    code cell, then the ``self-check`` code cell, in that order.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The chapter notebook.
    name : str
        Names the notebook in error messages.

    Returns
    -------
    list of tuple of int
        For each exercise, the indices of its skeleton, solution and self-check cells.

    Raises
    ------
    ValueError
        If a tagged cell is out of place: a skeleton outside a gated exercise or without
        ``# TODO``, a solution cell outside a gated solution, or a skeleton not followed
        by exactly one solution cell and then its self-check.
    """
    found = []
    where = None   # "exercise" or "solution": inside which gated directive we are
    open_ = None   # [skeleton, solution] indices of the exercise being read
    for index, cell in enumerate(nb.cells):
        at = f"{name}.ipynb, cell {index}"
        if cell.cell_type == "markdown":
            for directive in re.findall(r"\{(exercise|solution)-(start|end)\}",
                                        cell.source):
                kind, edge = directive
                where = kind if edge == "start" else None
            continue
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if SKELETON in tags:
            if where != "exercise" or "# TODO" not in cell.source:
                raise ValueError(f"{at}: a skeleton belongs inside a gated exercise "
                                 "({exercise-start} ... {exercise-end}) and says # TODO")
            if open_ is not None:
                raise ValueError(f"{at}: a skeleton before the previous one's self-check")
            open_ = [index, None]
        elif SOLUTION_CELL in tags:
            if where != "solution" or open_ is None or open_[1] is not None:
                raise ValueError(f"{at}: a solution cell belongs inside the gated "
                                 "solution that follows its skeleton, one per skeleton")
            open_[1] = index
        elif SELF_CHECK in tags:
            if where is not None or open_ is None or open_[1] is None:
                raise ValueError(f"{at}: a self-check follows its skeleton and its "
                                 "solution, outside both directives")
            found.append((open_[0], open_[1], index))
            open_ = None
    if open_ is not None:
        raise ValueError(f"{name}.ipynb: the skeleton in cell {open_[0]} has no "
                         "solution and self-check after it")
    return found


def write_student_notebooks(out=DEFAULT_OUT, toc=ROOT / "_toc.yml", kernel=None):
    """Write the student copy of every chapter notebook of the table of contents.

    Parameters
    ----------
    out : path-like
        The output folder, created if missing.
    toc : path-like
        The Jupyter Book ``_toc.yml`` that lists the chapters.
    kernel : str, optional
        The name of the Jupyter kernel the copies ask for; by default the chapters'.

    Returns
    -------
    list of (pathlib.Path, int)
        Each file written and the number of solutions removed from it.

    Raises
    ------
    SolutionParseError
        If a chapter has a solution whose fences cannot be matched; then nothing is
        written.
    """
    copies = []
    for path in chapter_notebooks(toc):
        nb = nbformat.read(path, as_version=4)
        student, removed = student_notebook(nb, path.stem, kernel=kernel)
        nbformat.validate(student)
        copies.append((path.name, student, removed))
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, student, removed in copies:
        nbformat.write(student, out / filename)
        written.append((out / filename, removed))
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT),
                        help="output folder (default: %(default)s)")
    parser.add_argument("--kernel", metavar="NAME",
                        help="the Jupyter kernel the copies open with (default: the "
                             "chapters' own, python3)")
    args = parser.parse_args(argv)
    try:
        written = write_student_notebooks(args.out, kernel=args.kernel)
    except SolutionParseError as error:
        print(f"student notebooks: cannot parse a solution: {error}", file=sys.stderr)
        return 1
    for target, removed in written:
        print(f"{target}  ({_count(removed, 'solution')} removed)")
    total = sum(removed for _, removed in written)
    print(f"{_count(len(written), 'student notebook')} ({_count(total, 'solution')} "
          f"removed) in {pathlib.Path(args.out).resolve()}")
    return 0


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _title(nb):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _fenced_blocks(lines, where, strict):
    """The fenced blocks of a cell, in order: (first line, last line, name, depth).

    ``name`` is the directive name (``solution``, ``exercise``, ...) or None for a code
    fence; ``depth`` is 0 for a block at the top level of the cell. Inside a directive,
    MyST parses the content as markdown, so fences nest; inside a code fence, nothing
    does. A nested fence of the same character at least as long as its parent's would
    close the parent early: it is an error inside a solution. With ``strict``, a fence
    left open is an error too (otherwise it runs to the end of the cell, as in
    CommonMark).
    """
    blocks = []
    stack = []   # open fences: [char, length, name, first line, is_directive]
    for number, line in enumerate(lines):
        match = _FENCE.match(line)
        if not match:
            continue
        fence, info = match.group("fence"), match.group("info")
        if stack:
            char, length, name, first, directive = stack[-1]
            if not info and fence[0] == char and len(fence) >= length:
                stack.pop()
                blocks.append((first, number, name, len(stack)))
                continue
            if not directive or (fence[0] == "`" and "`" in info):
                continue   # code content, or inline code such as ```x```
            if fence[0] == char and len(fence) >= length and _in_solution(stack):
                solution = next(e for e in stack if e[2] in _SOLUTION_NAMES)
                raise SolutionParseError(
                    f"{where}, line {number + 1}: the fence {fence}{info} inside the "
                    f"solution that starts on line {solution[3] + 1} is at least as long as "
                    f"the fence around it ({char * length}) and would close it early; "
                    f"make the outer fences longer")
        elif fence[0] == "`" and "`" in info:
            continue   # a paragraph starting with inline code, not a fence
        directive = _DIRECTIVE.match(info.strip())
        name = directive.group("name") if directive else None
        stack.append([fence[0], len(fence), name, number, directive is not None])
    if stack and (strict or _in_solution(stack)):
        char, length, name, first, _ = stack[-1]
        opened = stack[0]
        raise SolutionParseError(
            f"{where}, line {first + 1}: the fence {char * length}"
            f"{'{' + name + '}' if name else ''} is never closed (unbalanced fences in a "
            f"cell with a solution; the outer block starts on line {opened[3] + 1})")
    return sorted(blocks)


def _in_solution(stack):
    return any(entry[2] in _SOLUTION_NAMES for entry in stack)


def _without(lines, drop):
    """Join the lines not in ``drop``, with no doubled blank line where a block went."""
    if not drop:
        return "\n".join(lines)
    kept = []
    skipping_blank = False
    for number, line in enumerate(lines):
        if number in drop:
            skipping_blank = not kept or not kept[-1].strip()
            continue
        if skipping_blank and not line.strip():
            continue
        skipping_blank = False
        kept.append(line)
    return "\n".join(kept).strip("\n")


if __name__ == "__main__":
    sys.exit(main())
