"""Give every chapter notebook a first cell that installs canon where it is missing.

A chapter opened from the published site's Colab button runs on Colab, where the book's
package ``canon`` is not installed (on Binder, ``environment.yml`` installs it). The
first code cell of every chapter therefore reads::

    try:
        import canon
    except ImportError:   # Colab, or any Python without the book's package
        ...pip install canon from the book's repository...

Where ``canon`` imports (locally, in CI, on Binder) the cell does nothing and prints
nothing, so nbval's stored outputs do not change; it is tagged ``remove-cell``, so the
book's pages do not show it (myst-nb leaves it out of the page, input and output).
The repository it installs from is ``repository.url`` of ``_config.yml``.

Run ``python scripts/colab_cell.py`` after adding a chapter or changing the repository
URL: it inserts the cell into every chapter notebook listed in ``_toc.yml`` that lacks
it, or updates it in place (it is found by its cell id), and leaves every other cell,
output and the notebook's metadata as they were. Running it twice changes nothing the
second time. ``--check`` changes nothing and exits 1 if a notebook would change.
"""

import argparse
import importlib.util
import pathlib
import sys

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CELL_ID = "install-canon"
TAGS = ["remove-cell"]

SOURCE = """\
# Colab (the launch button of the book's pages) has no canon: install it from
# the book's repository. Wherever canon is installed (locally, on Binder) this
# cell does nothing.
try:
    import canon
except ImportError:
    import importlib
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "canon @ git+{url}",
        ],
        check=True,
    )
    importlib.invalidate_caches()
    import canon"""


def repository_url(config=ROOT / "_config.yml"):
    """The repository the cell installs from: ``repository.url`` of ``_config.yml``."""
    data = yaml.safe_load(pathlib.Path(config).read_text(encoding="utf-8"))
    url = ((data or {}).get("repository") or {}).get("url", "")
    if not url.startswith("https://"):
        raise ValueError(f"{config}: repository.url is not an https URL: {url!r}")
    return url.rstrip("/")


def cell_source(url):
    """The install cell's code for the repository at ``url``."""
    return SOURCE.format(url=url)


def install_command(url):
    """The command the cell runs where ``import canon`` fails (a list for subprocess)."""
    return [sys.executable, "-m", "pip", "install", "--quiet", f"canon @ git+{url}"]


def install_cell(url):
    """A new install cell (an ``nbformat`` code cell with no output)."""
    cell = nbformat.v4.new_code_cell(cell_source(url))
    cell.id = CELL_ID
    cell.metadata["tags"] = list(TAGS)
    return cell


def with_install_cell(nb, url):
    """Put the install cell first in ``nb`` (in place); True if ``nb`` changed.

    An existing install cell (found by its id) is moved to the front, its source and
    tags set as :func:`install_cell` makes them and any output cleared; its execution
    count and other metadata (a re-executed notebook's) are kept, so the script changes
    nothing in a notebook executed after it ran.
    """
    wanted = install_cell(url)
    found = [i for i, c in enumerate(nb.cells) if c.get("id") == CELL_ID]
    if not found:
        nb.cells.insert(0, wanted)
        return True
    index = found[0]
    cell = nb.cells[index]
    before = nbformat.writes(nb)
    for extra in reversed(found[1:]):
        del nb.cells[extra]
    cell.cell_type = "code"
    cell.source = wanted.source
    cell.outputs = []
    tags = [t for t in cell.metadata.get("tags", []) if t not in TAGS]
    cell.metadata["tags"] = list(TAGS) + tags
    if index:
        nb.cells.insert(0, nb.cells.pop(index))
    return nbformat.writes(nb) != before


def chapter_notebooks(toc=ROOT / "_toc.yml"):
    """The chapter notebooks of ``_toc.yml``, as ``scripts/student_notebooks.py`` lists them."""
    script = ROOT / "scripts" / "student_notebooks.py"
    spec = importlib.util.spec_from_file_location("student_notebooks", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.chapter_notebooks(toc)


def apply(paths, url, check=False):
    """Insert or update the install cell of every notebook of ``paths``.

    Returns
    -------
    list of pathlib.Path
        The notebooks that changed (with ``check``, that would change; none is written).
    """
    changed = []
    for path in paths:
        path = pathlib.Path(path)
        nb = nbformat.read(path, as_version=4)
        if with_install_cell(nb, url):
            changed.append(path)
            if not check:
                nbformat.validate(nb)
                nbformat.write(nb, path)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks to change (default: every chapter of _toc.yml)")
    parser.add_argument("--url", help="the repository to install canon from "
                                      "(default: repository.url of _config.yml)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook lacks the current cell")
    args = parser.parse_args(argv)
    url = (args.url or repository_url()).rstrip("/")
    paths = args.notebooks or chapter_notebooks()
    changed = apply(paths, url, check=args.check)
    verb = "would change" if args.check else "changed"
    for path in changed:
        print(f"{verb}: {path}")
    print(f"{len(paths)} notebooks, {len(changed)} {verb}; canon installs from {url} "
          "where it does not import")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
