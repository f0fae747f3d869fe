"""Sphinx glue for the canon book.

- Points ``CANON_LEDGER_DIR`` at a folder of the build, so that every certificate a
  chapter asserts while the build executes it is recorded there
  (``canon.ledger.certify``), and provides the ``claims-ledger`` directive, which
  turns those records into the claims ledger's tables (verdicts on the paper's
  results, confirmations of the book's Remarks, implementation checks) once every page
  has been read, and the ``ledger-counts`` role, which quotes its counts on any page.
- With ``CANON_STUDENT=1`` in the environment, builds the student edition: every
  exercise solution is left out (sphinx-exercise's ``hide_solutions``), and the
  notebooks the pages offer for download are the student copies of
  ``scripts/student_notebooks.py`` (no solutions, no outputs).
- In the PDF edition (the LaTeX builder), leaves out the code of every cell that the
  web edition folds behind a "show code" toggle (cell tag ``hide-input``, as myst-nb
  reads it): the figure such a cell draws is kept, the lines that draw it are not. On
  the web (both editions) myst-nb's toggle stays; the notebooks keep their tags.
- Drops sphinx-thebe's scripts from every page where live code is off (locally: the
  offline book has no live-code launch), and where it is on (the published build) keeps
  one copy of each: with Sphinx 7.4 thebe's inline script is included twice, a
  JavaScript error ("THEBE_JS_URL has already been declared") on every page.
"""

import importlib.util
import os
import pathlib

import nbformat
from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

#: How a result's verdict is summarised from its certificates: the worst one wins.
_SEVERITY = {"holds": 0, "holds with an extra condition": 1, "fails as stated": 2}

#: How the ledger counts verdicts, in the order it lists them.
_VERDICT_ORDER = ("holds", "holds with an extra condition", "fails as stated", "not certified")


class claims_ledger(nodes.General, nodes.Element):
    """Placeholder replaced by the ledger tables when the page is resolved."""


class ledger_counts(nodes.Inline, nodes.TextElement):
    """Placeholder replaced by the ledger's verdict counts when the page is resolved."""


class ClaimsLedgerDirective(SphinxDirective):
    """``{claims-ledger}``: the table of the paper's claims and their certificates."""

    has_content = False

    def run(self):
        # Re-read this page on every build: its content comes from other pages.
        self.env.note_reread()
        return [claims_ledger("")]


def ledger_counts_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{ledger-counts}`results```: the ledger's verdict counts, as computed in this build.

    ``results`` gives "N hold, ... not certified" for the paper's results, ``remarks``
    gives "N confirmed, ... not confirmed" for the book's Remarks.
    """
    which = text.strip()
    if which not in ("results", "remarks"):
        message = inliner.reporter.error(
            f"ledger-counts: expected 'results' or 'remarks', got {which!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    inliner.document.settings.env.note_reread()
    return [ledger_counts(rawtext, "", which=which)], []


def _ledger_dir(app):
    return os.path.join(os.path.dirname(os.path.abspath(app.doctreedir)), "ledger")


def _set_ledger_dir(app):
    folder = _ledger_dir(app)
    os.makedirs(folder, exist_ok=True)
    # A build that executes every chapter records every certificate afresh: drop the
    # records of earlier builds, or a certificate since removed would linger in the ledger.
    if app.config["nb_execution_mode"] == "force":
        pathlib.Path(folder, "certificates.jsonl").unlink(missing_ok=True)
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
    """Thebe's scripts: none where live code is off, each one once where it is on.

    With Sphinx 7.4, sphinx-thebe's inline script is included twice, a JavaScript error
    ("THEBE_JS_URL has already been declared") on every page. Locally and in the offline
    checks live code is off (``launch_buttons.thebe: false``) and every thebe script is
    dropped; in the published build (``scripts/publish_config.py`` turns Thebe on) the
    duplicates are dropped and the first copy of each script kept.
    """
    def is_thebe(script):
        body = getattr(script, "attributes", {}).get("body", "") or ""
        return "thebe" in str(getattr(script, "filename", script) or "") or "THEBE" in body

    if "script_files" not in context:
        return
    live = bool((app.config.html_theme_options or {}).get("launch_buttons", {}).get("thebe"))
    kept, seen = [], set()
    for script in context["script_files"]:
        if is_thebe(script):
            key = (str(getattr(script, "filename", script) or ""),
                   getattr(script, "attributes", {}).get("body", "") or "")
            if not live or key in seen:
                continue
            seen.add(key)
        kept.append(script)
    context["script_files"] = kept


class DropHiddenInputs(SphinxPostTransform):
    """The PDF edition leaves out the source of the cells the web edition folds.

    myst-nb marks a code cell tagged ``hide-input`` (or ``hide-cell``) with a
    ``hide_mode``, and folds its source behind a toggle in HTML only; the LaTeX writer
    would print it in full, often a page of matplotlib set-up per figure. Here the
    cell's source container (``cell_input``) is removed and its output kept.
    """

    default_priority = 199  # with myst-nb's HideInputCells, before the writers
    formats = ("latex",)

    def run(self, **kwargs):
        for cell in list(self.document.findall(nodes.container)):
            if cell.get("nb_element") != "cell_code":
                continue
            hidden = cell.get("hide_mode") in ("input", "input+output", "all")
            if not (hidden or "tag_hide-input" in cell["classes"]):
                continue
            for child in list(cell.children):
                if child.get("nb_element") == "cell_code_source":
                    cell.remove(child)


def _latest_certificates(app):
    from canon.ledger import read_certificates

    latest = {}
    for record in read_certificates(_ledger_dir(app)):
        # a re-executed notebook overrides its old record; one cell may bear on several claims
        latest[(record["label"], record["claim"])] = record
    return list(latest.values())


def _paragraph(*children):
    return nodes.paragraph("", "", *children)


def _records_by_claim(app, docname):
    """The latest certificate records with a target in the book, grouped by claim."""
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
        if "verdict" not in record:
            logger.warning(f"claims ledger: record {record['label']!r} has no verdict "
                           "(written by an older canon)", location=docname)
            continue
        if "kind" not in record:
            logger.warning(f"claims ledger: record {record['label']!r} has no kind "
                           "(written by an older canon)", location=docname)
            continue
        by_claim[record["claim"]].append(record)
    return by_claim


def _is_evidence(record):
    """A certificate counts as evidence: mathematics, and not a consistency check."""
    return record["basis"] == "mathematics" and record["kind"] != "consistency check"


def _verdict(records):
    """A result's verdict from its certificates that are evidence: the worst one wins."""
    mathematical = [r for r in records if _is_evidence(r)]
    if not mathematical:
        return "not certified"
    return max((r["verdict"] for r in mathematical), key=_SEVERITY.__getitem__)


def _summaries(by_claim):
    """Verdict counts of the results and confirmation counts of the Remarks."""
    from canon.ledger import REMARKS, RESULTS

    results = {v: 0 for v in _VERDICT_ORDER}
    for claim in RESULTS:
        results[_verdict(by_claim[claim])] += 1
    confirmed = sum(any(_is_evidence(r) for r in by_claim[c]) for c in REMARKS)
    remarks = {"confirmed": confirmed, "not confirmed": len(REMARKS) - confirmed}
    return results, remarks


def _plural(n, singular, plural):
    return f"{n} {singular if n == 1 else plural}"


def _counts_text(results, remarks, which):
    if which == "results":
        words = {"holds": ("holds", "hold"),
                 "holds with an extra condition": ("holds with an extra condition",
                                                   "hold with an extra condition"),
                 "fails as stated": ("fails as stated", "fail as stated"),
                 "not certified": ("not certified", "not certified")}
        return ", ".join(f"{n} {words[v][n != 1]}" for v, n in results.items())
    return ", ".join(f"{n} {status}" for status, n in remarks.items())


def _link(app, docname, record):
    anonlabels = app.env.domaindata["std"]["anonlabels"]
    target_doc, target_id = anonlabels[record["label"]]
    uri = app.builder.get_relative_uri(docname, target_doc) + "#" + target_id
    title = app.env.titles.get(target_doc)
    chapter = title.astext() if title is not None else target_doc
    return nodes.reference("", chapter, refuri=uri, internal=True)


def _evidence_list(app, docname, records, show_verdict):
    evidence = nodes.bullet_list()
    for r in records:
        text = r["statement"]
        if r["condition"]:
            text += f"; extra condition: {r['condition']}"
        if r["evidence"]:
            text += f" ({r['evidence']})"
        children = [_link(app, docname, r), nodes.Text(": ")]
        if show_verdict:
            children.append(nodes.emphasis("", r["verdict"]))
            children.append(nodes.Text(" — "))
        children.append(nodes.Text(text))
        evidence += nodes.list_item("", _paragraph(*children))
    return evidence


def _table(headers, widths, rows, classes):
    table = nodes.table(classes=["claims-ledger", "longtable", "colwidths-given", *classes])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += nodes.row("", *[nodes.entry("", _paragraph(nodes.Text(t))) for t in headers])
    group += head
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            row += nodes.entry("", *(cell if isinstance(cell, list) else [cell]))
        body += row
    return table


def _verdict_cell(app, docname, claim, records):
    from canon.ledger import UNTESTED

    verdict = _verdict(records)
    cell = [_paragraph(nodes.strong("", verdict))]
    mathematical = [r for r in records if _is_evidence(r)]
    if verdict == "holds with an extra condition":
        conditions = sorted({r["condition"] for r in mathematical if r["verdict"] == verdict})
        cell.append(_paragraph(nodes.Text("Condition: " + "; ".join(conditions) + ".")))
    if verdict == "fails as stated":
        counterexamples = [r for r in mathematical if r["verdict"] == verdict]
        children = [nodes.Text("Counterexample: ")]
        for i, r in enumerate(counterexamples):
            if i:
                children.append(nodes.Text(", "))
            children.append(_link(app, docname, r))
        cell.append(_paragraph(*children, nodes.Text(".")))
    if verdict == "not certified":
        if records:
            cell.append(_paragraph(nodes.Text(
                "Only consistency or implementation checks (listed below).")))
        else:
            cell.append(_paragraph(nodes.Text("No certificate in this build.")))
    if claim in UNTESTED:
        cell.append(_paragraph(nodes.Text("Not tested: " + UNTESTED[claim])))
    return cell


def _fill_ledger(app, doctree, docname):
    placeholders = list(doctree.findall(claims_ledger))
    counters = list(doctree.findall(ledger_counts))
    if not placeholders and not counters:
        return
    from canon.ledger import REMARKS, RESULTS

    by_claim = _records_by_claim(app, docname)
    results, remarks = _summaries(by_claim)
    for node in counters:
        node.replace_self(nodes.Text(_counts_text(results, remarks, node["which"])))
    if not placeholders:
        return

    result_rows = []
    for claim, statement in RESULTS.items():
        records = [r for r in by_claim[claim] if _is_evidence(r)]
        result_rows.append([
            _paragraph(nodes.strong("", claim), nodes.Text(" — " + statement)),
            _verdict_cell(app, docname, claim, by_claim[claim]),
            _evidence_list(app, docname, records, True) if records else _paragraph(nodes.Text("—")),
        ])
    remark_rows = []
    for claim, statement in REMARKS.items():
        records = [r for r in by_claim[claim] if _is_evidence(r)]
        remark_rows.append([
            _paragraph(nodes.strong("", claim), nodes.Text(" — " + statement)),
            _paragraph(nodes.strong("", "confirmed" if records else "not confirmed")),
            _evidence_list(app, docname, records, False) if records else _paragraph(nodes.Text("—")),
        ])
    not_evidence = [r for records in by_claim.values() for r in records if not _is_evidence(r)]
    every = [r for records in by_claim.values() for r in records]
    total = len(every)
    kinds = {}
    for r in every:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    implementation = sum(r["basis"] == "implementation" for r in every)
    lead = _paragraph(nodes.Text(
        f"{len(RESULTS)} results of the paper: {_counts_text(results, remarks, 'results')}. "
        f"{len(REMARKS)} Remarks of the book: {_counts_text(results, remarks, 'remarks')}. "
        f"{_plural(total, 'certificate', 'certificates')} recorded in this build, "
        f"{implementation} of them implementation checks only; by kind: "
        + ", ".join(f"{kinds.get(k, 0)} {k}" for k in _KINDS) + "."))
    results_table = _table(
        ("Result of the paper, as it states it", "Verdict", "Certificates (chapter: verdict — what was computed)"),
        (30, 22, 48), result_rows, ["ledger-results"])
    remarks_table = _table(
        ("Remark of the book", "Status", "Certificates (chapter: what was computed)"),
        (34, 14, 52), remark_rows, ["ledger-remarks"])
    remarks_lead = _paragraph(nodes.Text(
        "The book's Remarks are statements the book adds to the paper; a confirmed Remark "
        "is not a verdict on the paper, and some (Remarks 4, 9, 10, 11) are bad news for it."))
    implementation_lead = _paragraph(nodes.Text(
        "Consistency checks (they hold by construction) and checks that compare routes "
        "through canon with each other: evidence that the implementation is consistent, not "
        "that a statement is true. No verdict or confirmation above is taken from them."))
    implementation_list = (
        _evidence_list(app, docname, not_evidence, False) if not_evidence
        else _paragraph(nodes.Text("None in this build.")))
    faults = _faults(app)
    for node in placeholders:
        node.replace_self([
            lead, results_table,
            nodes.rubric("", "Remarks of the book"), remarks_lead, remarks_table,
            nodes.rubric("", "Consistency and implementation checks"), implementation_lead,
            implementation_list,
            nodes.rubric("", "Certificates, their evidence and the faults they caught"),
            *_faults_section(app, docname, every, faults),
        ])


#: The kinds of certificate, in the order the ledger counts them (canon.ledger.KINDS).
_KINDS = ("independent route", "control", "independent route and control", "consistency check")


def _faults(app):
    """The fault-injection run's results, ``_build/faults/caught.json``, or None."""
    import json

    path = os.path.join(os.path.dirname(os.path.abspath(app.doctreedir)), "faults", "caught.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)["faults"]


def _faults_section(app, docname, records, faults):
    """A table, one row per certificate: its kind, its control, the faults it caught."""
    caught = {}
    if faults is not None:
        for name, fault in faults.items():
            for chapter in fault["chapters"].values():
                for label in chapter["caught_by"]:
                    caught.setdefault(label, []).append(name)
    seen, rows, idle = set(), [], []
    for r in records:
        if r["label"] in seen:
            continue  # one row per certificate cell, whatever the claims it bears on
        seen.add(r["label"])
        claims = ", ".join(x["claim"] for x in records if x["label"] == r["label"])
        names = sorted(set(caught.get(r["label"], [])))
        if not names and not r["control"] and r["kind"] != "consistency check":
            idle.append(r)
        detail = r["control"] or r["route"] or "—"
        rows.append([
            _paragraph(_link(app, docname, r), nodes.Text(f" ({r['label']}; {claims})")),
            _paragraph(nodes.Text(r["kind"] + (", implementation" if r["basis"] == "implementation" else ""))),
            _paragraph(nodes.Text(detail)),
            _paragraph(nodes.Text(", ".join(names) if names else "none")),
        ])
    if faults is None:
        lead = ("No fault-injection run in this build (make test runs one first): the last "
                "column is empty.")
    else:
        total = len(faults)
        lead = (f"The fault-injection run executed the chapters with {total} deliberate faults "
                "patched into canon, one run per fault and chapter concerned; a certificate "
                "caught a fault if it failed in that run.")
    section = [_paragraph(nodes.Text(lead)), _table(
        ("Certificate (chapter; label; claims)", "Kind", "Control, or the independent route",
         "Faults caught"), (30, 14, 38, 18), rows, ["ledger-faults"])]
    if faults is not None:
        if idle:
            items = nodes.bullet_list()
            for r in idle:
                items += nodes.list_item("", _paragraph(_link(app, docname, r),
                                                        nodes.Text(f": {r['label']}")))
            section += [_paragraph(nodes.Text(
                "Certificates (consistency checks aside) that caught no fault and have no "
                "control:")), items]
        else:
            section.append(_paragraph(nodes.Text(
                "Every certificate either has a control or caught at least one fault.")))
    return section


def setup(app):
    app.add_node(claims_ledger)
    app.add_directive("claims-ledger", ClaimsLedgerDirective)
    app.add_node(ledger_counts)
    app.add_role("ledger-counts", ledger_counts_role)
    app.add_post_transform(DropHiddenInputs)
    app.connect("config-inited", _student_edition)
    app.connect("builder-inited", _set_ledger_dir)
    app.connect("doctree-resolved", _fill_ledger)
    app.connect("html-page-context", _drop_thebe_scripts, priority=900)
    app.connect("build-finished", _student_downloads)
    return {"version": "0.1", "parallel_read_safe": False, "parallel_write_safe": True}
