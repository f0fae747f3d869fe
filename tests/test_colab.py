"""The chapters' first cell, which installs canon on Colab (scripts/colab_cell.py).

The cell must do nothing where canon imports (here, in CI, on Binder: nbval's stored
outputs stay as they are) and, where it does not (Colab), run exactly one pip command
that installs canon from the book's repository. The script that writes it into the
chapters must be safe to run again, and every chapter notebook must carry the current
cell, first, hidden from the book's pages.
"""

import builtins
import importlib.util
import json
import pathlib
import subprocess
import sys

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


colab_cell = _load("colab_cell")
student_notebooks = _load("student_notebooks")

URL = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]
CHAPTERS = colab_cell.chapter_notebooks()


def run_cell(source, monkeypatch, canon_missing):
    """Execute the cell's code as a kernel would; returns the subprocess.run calls."""
    calls = []

    def fake_run(command, **kwargs):
        calls.append((command, kwargs))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    if canon_missing:
        real_import = builtins.__import__
        state = {"installed": False}

        def fake_import(name, *args, **kwargs):
            if name == "canon" and not state["installed"]:
                raise ImportError("No module named 'canon'")
            return real_import(name, *args, **kwargs)

        def fake_run_installs(command, **kwargs):
            state["installed"] = True
            return fake_run(command, **kwargs)

        monkeypatch.setattr(builtins, "__import__", fake_import)
        monkeypatch.setattr(subprocess, "run", fake_run_installs)
    exec(compile(source, "<install-canon cell>", "exec"), {"__name__": "__main__"})
    return calls


def test_where_canon_imports_the_cell_does_nothing(monkeypatch, capsys):
    calls = run_cell(colab_cell.cell_source(URL), monkeypatch, canon_missing=False)
    assert calls == []
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_where_canon_is_missing_the_cell_installs_it_from_the_repository(monkeypatch, capsys):
    calls = run_cell(colab_cell.cell_source(URL), monkeypatch, canon_missing=True)
    assert len(calls) == 1
    command, kwargs = calls[0]
    assert command == [sys.executable, "-m", "pip", "install", "--quiet",
                       f"canon @ git+{URL}"]
    assert command == colab_cell.install_command(URL)
    assert kwargs == {"check": True}   # a failed install stops the notebook there
    assert capsys.readouterr().out == ""


def test_the_install_requirement_is_a_valid_direct_reference():
    from packaging.requirements import Requirement

    requirement = Requirement(colab_cell.install_command(URL)[-1])
    assert requirement.name == "canon" and requirement.url == f"git+{URL}"
    assert URL.startswith("https://github.com/")


def test_in_a_real_kernel_the_cell_prints_nothing(tmp_path):
    from nbclient import NotebookClient

    nb = new_notebook(cells=[colab_cell.install_cell(URL), new_code_cell("print(canon.__name__)")])
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert nb.cells[0].outputs == []
    assert nb.cells[1].outputs[0]["text"] == "canon\n"


def _chapter_like(tmp_path, name="chapter"):
    code = new_code_cell("x = 1\nprint(x)", execution_count=1,
                         outputs=[new_output("stream", name="stdout", text="1\n")])
    nb = new_notebook(cells=[new_markdown_cell("# A chapter"), code],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_script_inserts_the_cell_once(tmp_path):
    path = _chapter_like(tmp_path)
    before = nbformat.read(path, as_version=4)
    assert colab_cell.apply([path], URL) == [path]
    first = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    cell = nb.cells[0]
    assert cell.id == colab_cell.CELL_ID and cell.cell_type == "code"
    assert cell.source == colab_cell.cell_source(URL)
    assert cell.metadata["tags"] == ["remove-cell"]
    assert cell.outputs == [] and cell.execution_count is None
    assert nb.cells[1:] == before.cells and nb.metadata == before.metadata
    # a second run changes nothing, byte for byte
    assert colab_cell.apply([path], URL) == []
    assert path.read_bytes() == first
    assert colab_cell.main(["--check", str(path)]) == 0


def test_the_script_updates_an_old_cell_in_place(tmp_path):
    path = _chapter_like(tmp_path)
    nb = nbformat.read(path, as_version=4)
    old = colab_cell.install_cell("https://github.com/someone/old")
    old.metadata["tags"] = ["hide-input"]
    old.outputs = [new_output("stream", name="stdout", text="Installing...\n")]
    old.execution_count = 7
    nb.cells.append(old)   # not first, with an output and another tag
    nbformat.write(nb, path)
    assert colab_cell.main(["--check", str(path)]) == 1
    assert nbformat.read(path, as_version=4).cells[-1].source == old.source   # untouched
    assert colab_cell.main([str(path)]) == 0
    nb = nbformat.read(path, as_version=4)
    assert [c.get("id") for c in nb.cells].count(colab_cell.CELL_ID) == 1
    cell = nb.cells[0]
    assert cell.id == colab_cell.CELL_ID and cell.source == colab_cell.cell_source(URL)
    assert cell.metadata["tags"] == ["remove-cell", "hide-input"]
    assert cell.outputs == []
    assert len(nb.cells) == 3
    assert colab_cell.apply([path], URL) == []


def test_a_notebook_executed_after_the_script_is_left_alone(tmp_path):
    """Re-executing sets the cell's execution count and timings: not a change to undo."""
    path = _chapter_like(tmp_path)
    colab_cell.apply([path], URL)
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].execution_count = 1
    nb.cells[0].metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    nbformat.write(nb, path)
    assert colab_cell.apply([path], URL) == []


def test_the_cell_url_follows_the_configuration(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/octo-org/open-book/\n",
                      encoding="utf-8")
    assert colab_cell.repository_url(config) == "https://github.com/octo-org/open-book"
    config.write_text("repository:\n  url: ''\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not an https URL"):
        colab_cell.repository_url(config)


def test_the_student_copy_keeps_the_cell_first(tmp_path):
    path = _chapter_like(tmp_path)
    colab_cell.apply([path], URL)
    student, _ = student_notebooks.student_notebook(nbformat.read(path, as_version=4), "chapter")
    code = [c for c in student.cells if c.cell_type == "code"]
    assert code[0].id == colab_cell.CELL_ID and code[0].source == colab_cell.cell_source(URL)
    assert student.cells[0].id == "student-copy" and student.cells[1].id == colab_cell.CELL_ID


def test_publishing_warns_when_colab_would_not_get_this_repositorys_canon():
    publish_config = _load("publish_config")
    here = "https://github.com/octo-org/open-book"
    assert publish_config.colab_warnings(here, {"a.ipynb": here}) == []
    (warning,) = publish_config.colab_warnings(here, {"a.ipynb": URL, "b.ipynb": URL})
    assert URL in warning and "scripts/colab_cell.py" in warning
    (warning,) = publish_config.colab_warnings(here, {"a.ipynb": here, "b.ipynb": None})
    assert "b.ipynb" in warning


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_starts_with_the_current_install_cell(chapter):
    nb = json.loads(chapter.read_text(encoding="utf-8"))
    first = nb["cells"][0]
    hint = ("run `python scripts/colab_cell.py` (it inserts or updates the cell in every "
            "chapter), then re-execute the changed notebooks")
    assert first.get("id") == colab_cell.CELL_ID, f"{chapter.name} has no install cell first: {hint}"
    assert "".join(first["source"]) == colab_cell.cell_source(URL), f"outdated cell: {hint}"
    assert "remove-cell" in first["metadata"].get("tags", [])
    assert first["outputs"] == [], "the cell prints nothing where canon imports"
