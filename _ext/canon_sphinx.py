"""Sphinx glue for the canon book.

- Points ``CANON_LEDGER_DIR`` at a folder of the build, so that every certificate a
  chapter asserts while the build executes it is recorded there
  (``canon.ledger.certify``), and provides the ``claims-ledger`` directive, which
  turns those records into the claims ledger table once every page has been read.
- With ``CANON_STUDENT=1`` in the environment, builds the student edition: every
  exercise solution is left out (sphinx-exercise's ``hide_solutions``), and the
  notebooks the pages offer for download are the student copies of
  ``scripts/student_notebooks.py`` (no solutions, no outputs).
- Drops sphinx-thebe's scripts from every page: the book has no live-code launch,
  and with Sphinx 7.4 thebe's inline script is included twice, a JavaScript error
  ("THEBE_JS_URL has already been declared") on every page.
"""

import importlib.util
import os
import pathlib

import nbformat
from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

#: How a claim's status is summarised from its certificates: the worst one wins.
_SEVERITY = {"holds": 0, "holds with an extra condition": 1, "fails as stated": 2}


class claims_ledger(nodes.General, nodes.Element):
    """Placeholder replaced by the ledger table when the page is resolved."""


class ClaimsLedgerDirective(SphinxDirective):
    """``{claims-ledger}``: the table of the paper's claims and their certificates."""

    has_content = False

    def run(self):
        # Re-read this page on every build: its content comes from other pages.
        self.env.note_reread()
        return [claims_ledger("")]


def _ledger_dir(app):
    return os.path.join(os.path.dirname(os.path.abspath(app.doctreedir)), "ledger")


def _set_ledger_dir(app):
    folder = _ledger_dir(app)
    os.makedirs(folder, exist_ok=True)
    os.environ["CANON_LEDGER_DIR"] = folder


def _student_edition(app, config):
    if os.environ.get("CANON_STUDENT") == "1":
        config.hide_solutions = True


def _student_downloads(app, exception):
    """Replace each downloadable notebook of the student edition by its student copy."""
    if exception is not None or os.environ.get("CANON_STUDENT") != "1" or app.builder.format != "html":
        return
    script = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "student_notebooks.py"
    spec = importlib.util.spec_from_file_location("student_notebooks", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in sorted(pathlib.Path(app.outdir, "_sources").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        student, _ = module.student_notebook(nb, name=path.stem)
        nbformat.write(student, path)


def _drop_thebe_scripts(app, pagename, templatename, context, doctree):
    def is_thebe(script):
        body = getattr(script, "attributes", {}).get("body", "") or ""
        return "thebe" in str(getattr(script, "filename", script) or "") or "THEBE" in body

    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not is_thebe(s)]


def _latest_certificates(app):
    from canon.ledger import read_certificates

    latest = {}
    for record in read_certificates(_ledger_dir(app)):
        # a re-executed notebook overrides its old record; one cell may bear on several claims
        latest[(record["label"], record["claim"])] = record
    return list(latest.values())


def _paragraph(*children):
    return nodes.paragraph("", "", *children)


def _fill_ledger(app, doctree, docname):
    placeholders = list(doctree.findall(claims_ledger))
    if not placeholders:
        return
    from canon.ledger import CLAIMS

    anonlabels = app.env.domaindata["std"]["anonlabels"]
    by_claim = {claim: [] for claim in CLAIMS}
    for record in _latest_certificates(app):
        if record["label"] not in anonlabels:
            logger.warning(
                f"claims ledger: certificate {record['label']!r} has no MyST target "
                f"'({record['label']})=' in the book", location=docname)
            continue
        if record["claim"] not in by_claim:
            logger.warning(f"claims ledger: unknown claim {record['claim']!r}", location=docname)
            continue
        by_claim[record["claim"]].append(record)

    table = nodes.table(classes=["claims-ledger", "longtable", "colwidths-given"])
    group = nodes.tgroup(cols=3)
    table += group
    for width in (34, 16, 50):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += nodes.row("", *[nodes.entry("", _paragraph(nodes.Text(t))) for t in
                            ("Result of the paper", "Status found", "Certificates (chapter: what was computed)")])
    group += head
    body = nodes.tbody()
    group += body
    counts = {}
    for claim, statement in CLAIMS.items():
        records = by_claim[claim]
        if records:
            status = max((r["status"] for r in records), key=_SEVERITY.__getitem__)
        else:
            status = "not certified yet"
        counts[status] = counts.get(status, 0) + 1
        evidence = nodes.bullet_list()
        for r in records:
            target_doc, target_id = anonlabels[r["label"]]
            uri = app.builder.get_relative_uri(docname, target_doc) + "#" + target_id
            title = app.env.titles.get(target_doc)
            chapter = title.astext() if title is not None else target_doc
            text = f"{r['statement']}" + (f" ({r['evidence']})" if r["evidence"] else "")
            link = nodes.reference("", chapter, refuri=uri, internal=True)
            evidence += nodes.list_item("", _paragraph(link, nodes.Text(": " + text)))
        row = nodes.row()
        row += nodes.entry("", _paragraph(nodes.strong("", claim), nodes.Text(" — " + statement)))
        row += nodes.entry("", _paragraph(nodes.Text(status)))
        row += nodes.entry("", evidence if records else _paragraph(nodes.Text("—")))
        body += row
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    total = sum(len(v) for v in by_claim.values())
    lead = _paragraph(nodes.Text(
        f"{len(CLAIMS)} claims, {total} certificates recorded in this build: {summary}."))
    for node in placeholders:
        node.replace_self([lead, table])


def setup(app):
    app.add_node(claims_ledger)
    app.add_directive("claims-ledger", ClaimsLedgerDirective)
    app.connect("config-inited", _student_edition)
    app.connect("builder-inited", _set_ledger_dir)
    app.connect("doctree-resolved", _fill_ledger)
    app.connect("html-page-context", _drop_thebe_scripts, priority=900)
    app.connect("build-finished", _student_downloads)
    return {"version": "0.1", "parallel_read_safe": False, "parallel_write_safe": True}
