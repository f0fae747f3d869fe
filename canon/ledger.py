"""Certificates: assert a claim about the paper, and record what was found.

A certificate cell of the book calls :func:`certify`. It raises ``AssertionError``
when the check fails, so a wrong result stops the notebook (and CI). When the
environment variable ``CANON_LEDGER_DIR`` names a folder (the book build sets it),
it also appends one JSON line to ``<folder>/certificates.jsonl``; the claims ledger
page of the book is generated from those lines, so it shows what the notebooks
computed in that very build.
"""

import json
import os
import textwrap

import numpy as np

from . import _checks

__all__ = ["CLAIMS", "STATUSES", "certify", "read_certificates"]

#: The results of Jiang (2019) the book checks, each with a one-line statement.
CLAIMS = {
    "eq1": "Eq. (1): MSE and cross-entropy are meaningful, convex losses.",
    "eq3": "Eq. (3): the map from weights w to functions f_w is onto but not one-to-one.",
    "eq6": "Eq. (6): a finite partial sum over Omega approximates f to any precision.",
    "eq8": "Eq. (8): row i of H(w) holds the canonical coordinates of df_w/dw_i.",
    "eq9": "Eq. (9): grad_w Q = H(w) grad_theta Q, a point-wise linear map.",
    "theorem1": "Theorem 1: Q is convex in theta; with K >= T the minimum has zero loss.",
    "corollary1": "Corollary 1: Q(f) is a convex functional.",
    "lemma1": "Lemma 1: a stationary point with full-rank H is a global minimum.",
    "lemma2": "Lemma 2: a stationary point with rank-deficient H is a saddle, a global minimum or flat.",
    "theorem2": "Theorem 2: if H keeps full rank, gradient descent reaches zero loss.",
    "sec331": "Section 3.3.1: dead units give zero rows of H and are never revived.",
    "sec332": "Section 3.3.2: duplicated units give equal rows of H and stay duplicated.",
    "sec333": "Section 3.3.3: with centred random initialization a singular H is improbable.",
}
CLAIMS.update(
    {
        f"remark{i}": text
        for i, text in enumerate(
            [
                "K >= T is not enough: zero loss needs Phi of full row rank.",
                "Outside the discrete-exact setting eq. (9) has a truncation residual.",
                "ReLU is not differentiable at 0; autodiff picks a subgradient.",
                "Full rank at every step is weaker than the uniform margin Theorem 2 needs.",
                "Rank is a joint property of rows and columns: compute it.",
                "H^T H is the neural tangent kernel compressed onto span(Omega).",
                "Gradient flow converges linearly while sigma_min(H) keeps a margin.",
                "A zero-weight tanh network at the mean is a stationary saddle.",
                "ReLU networks have rank H <= m(d+1)+1 whatever M is.",
                "Under truncation a full-rank stationary point need not be a global minimum.",
                "All-dead ReLU networks sit in a flat region that is a spurious local minimum.",
                "A unit dead on the data is not dead on U: frozen, yet with non-zero rows.",
                "Duplicates persist only as full copies of incoming and outgoing weights.",
            ],
            start=1,
        )
    }
)

#: What a certificate can find about its claim.
STATUSES = ("holds", "holds with an extra condition", "fails as stated")


def certify(label, claim, passed, statement, status="holds", evidence=""):
    """Assert a certificate and record it for the claims ledger.

    Parameters
    ----------
    label : str
        The MyST target placed just above the certificate cell, e.g.
        ``'cert-eq9-exact'``; unique in the book. The ledger links to it. A cell
        whose check bears on several claims calls ``certify`` once per claim with
        the same label.
    claim : str
        Which result of the paper the certificate bears on: a key of ``CLAIMS``.
    passed : bool
        The outcome of the check. ``False`` raises ``AssertionError``.
    statement : str
        One line: what was checked, e.g. "eq. (9) holds to round-off".
    status : str
        What the check shows about the paper's claim: one of ``STATUSES``.
    evidence : str
        The measured numbers, rounded, e.g. ``"relative residual 2e-16"``.

    Raises
    ------
    AssertionError
        If ``passed`` is false.
    """
    if not isinstance(label, str) or not label.strip():
        _checks.fail("label", "a non-empty MyST target name", repr(label), TypeError)
    _checks.choice("claim", claim, tuple(CLAIMS))
    _checks.choice("status", status, STATUSES)
    if not isinstance(passed, (bool, np.bool_)):
        _checks.fail("passed", "a bool (the outcome of the check)", type(passed).__name__, TypeError)
    if not passed:
        raise AssertionError(f"certificate {label} failed: {statement} ({evidence})")
    folder = os.environ.get("CANON_LEDGER_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        record = dict(label=label, claim=claim, statement=statement, status=status, evidence=evidence)
        with open(os.path.join(folder, "certificates.jsonl"), "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record) + "\n")
    line = f"certified [{claim}]: {statement}" + (f" ({evidence})" if evidence else "")
    print(textwrap.fill(line, width=88, subsequent_indent="    "))


def read_certificates(folder):
    """Return the certificate records written to ``folder`` by :func:`certify`.

    Parameters
    ----------
    folder : str
        The ``CANON_LEDGER_DIR`` of a build.

    Returns
    -------
    list of dict
        In the order they were written; a missing file gives an empty list.
    """
    path = os.path.join(folder, "certificates.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]
