"""Sphinx glue for the canon book.

- With ``CANON_STUDENT=1`` in the environment, builds the student edition: every
  exercise solution is left out (sphinx-exercise's ``hide_solutions``).
- Drops sphinx-thebe's scripts from every page: the book has no live-code launch,
  and with Sphinx 7.4 thebe's inline script is included twice, a JavaScript error
  ("THEBE_JS_URL has already been declared") on every page.
- Points ``CANON_LEDGER_DIR`` at a folder of the build, so that every certificate
  a chapter asserts while the build executes it is recorded there
  (``canon.ledger.certify``).
"""

import os


def _ledger_dir(app):
    return os.path.join(os.path.dirname(os.path.abspath(app.doctreedir)), "ledger")


def _set_ledger_dir(app):
    folder = _ledger_dir(app)
    os.makedirs(folder, exist_ok=True)
    os.environ["CANON_LEDGER_DIR"] = folder


def _student_edition(app, config):
    if os.environ.get("CANON_STUDENT") == "1":
        config.hide_solutions = True


def _drop_thebe_scripts(app, pagename, templatename, context, doctree):
    def is_thebe(script):
        body = getattr(script, "attributes", {}).get("body", "") or ""
        return "thebe" in str(getattr(script, "filename", script) or "") or "THEBE" in body

    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not is_thebe(s)]


def setup(app):
    app.connect("html-page-context", _drop_thebe_scripts, priority=900)
    app.connect("config-inited", _student_edition)
    app.connect("builder-inited", _set_ledger_dir)
    return {"version": "0.1", "parallel_read_safe": False, "parallel_write_safe": True}
