"""Certificates: assert a claim about the paper, and record what was found.

A certificate cell of the book calls :func:`certify`. It raises ``AssertionError``
when the check fails, so a wrong result stops the notebook (and CI). When the
environment variable ``CANON_LEDGER_DIR`` names a folder (the book build sets it),
it also appends one JSON line to ``<folder>/certificates.jsonl``; the claims ledger
page of the book is generated from those lines, so it shows what the notebooks
computed in that very build.

Two kinds of claim are recorded, and they mean different things:

- a *result of the paper* (:data:`RESULTS`) gets a **verdict** on the statement as
  the paper writes it: it holds, it holds once a named extra condition is added, or
  it fails as stated (the certificate's cell holds the counterexample);
- a *Remark of the book* (:data:`REMARKS`) is **confirmed** or not. A confirmed
  Remark can be bad news for the paper (Remark 10 is a counterexample to Lemma 1).

A certificate is evidence only if it could have failed. It says which of two kinds
of evidence it is: an *independent route* (the claim's quantity computed by a second
route that shares no code with the first, ``route=``), or a *control* (the same check
run where the claim's hypothesis is broken or the claim is false, which must fail
there: ``control=`` and ``control_passed=``), or both. A check that holds by
construction is a *consistency check* (``consistency=True``): it may stay in a chapter,
labelled so, and the ledger never counts it as evidence. A certificate that is none of
these cannot be written: :func:`certify` raises.

A certificate rests either on mathematics (two independent computations, or a
closed form) or only on tests of the implementation (``basis="implementation"``:
two routes through canon agreeing); the ledger lists the second kind apart and
never derives a verdict from it.
"""

import json
import os
import textwrap

import numpy as np

from . import _checks

__all__ = ["BASES", "CLAIMS", "KINDS", "REMARKS", "RESULTS", "UNTESTED", "VERDICTS",
           "certify", "read_certificates"]

#: The results of Jiang (2019) the book checks, each as the paper states it.
RESULTS = {
    "eq1": "Eq. (1): MSE and cross-entropy are convex losses, non-negative and zero "
           "exactly when the prediction equals the target.",
    "eq3": "Eq. (3): the map from weights w to functions f_w is surjective but not injective.",
    "fig1": "Figure 1: functions correspond one-to-one to points of the epsilon-precision "
            "canonical space Theta_K.",
    "eq6": "Eq. (6): a finite partial sum over Omega approximates f to any precision "
           "epsilon in the norm (L2).",
    "eq8": "Eq. (8): row i of H(w) holds the canonical coordinates of df_w/dw_i.",
    "eq9": "Eq. (9): grad_w Q = H(w) grad_theta Q, a point-wise linear map.",
    "theorem1": "Theorem 1: Q is convex in theta; with K >= T the minimum has zero loss.",
    "corollary1": "Corollary 1: Q(f) is a convex functional.",
    "lemma1": "Lemma 1: with M >= K, a stationary point where H has full rank K is a global "
              "minimum.",
    "lemma2": "Lemma 2: a stationary point with rank-deficient H is a saddle point, a global "
              "minimum, or in a flat region of the loss surface (the proof: where H = 0).",
    "theorem2": "Theorem 2: with M >= K, if H keeps full rank along the path, gradient descent "
                "reaches zero loss, its loss falling as in convex optimization.",
    "sec331": "Section 3.3.1: dead units give zero rows of H and are never revived.",
    "sec332": "Section 3.3.2: duplicated units give equal rows of H and stay duplicated.",
    "sec333count": "Section 3.3.3: in an over-parameterized network (M >> K) H becomes "
                   "singular only after many units die, are duplicated or coordinated, each "
                   "an equality constraint on the parameters.",
    "sec333init": "Section 3.3.3: with centred random initialization the initial H is "
                  "non-singular with probability one.",
    "sec333train": "Section 3.3.3: gradient descent from such a start is extremely unlikely to "
                   "create new dead or duplicated units, and reaches zero loss with "
                   "probability one.",
}

#: The Remarks of the book, each a statement the book adds to the paper.
REMARKS = {
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

#: Every claim a certificate can bear on, the paper's results first, then the book's Remarks.
CLAIMS = {**RESULTS, **REMARKS}

#: What stays untested of a result even when it has certificates (shown in the ledger).
UNTESTED = {
    "corollary1": "nothing a computation could refute: Q(f) is convex because evaluating f at "
                  "the data is linear (a consistency check); the paper's proof through the "
                  "coordinates fails off the grid (Remark 2).",
    "eq6": "convergence of the partial sums at every point (false in general for "
           "continuous functions: du Bois-Reymond).",
    "sec333train": "zero loss in the limit (finite runs cannot refute it), widths above 64, "
                   "other or decaying step sizes, stochastic gradients, smooth activations.",
}

#: The verdicts a certificate can give on a result of the paper, mildest first.
VERDICTS = ("holds", "holds with an extra condition", "fails as stated")

#: What a certificate's evidence rests on.
BASES = ("mathematics", "implementation")

#: The kinds of certificate, the two kinds of evidence first, then the check that is not evidence.
KINDS = ("independent route", "control", "independent route and control", "consistency check")


def _text(name, value, allow_empty=True):
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        expected = "a string" if allow_empty else "a non-empty string"
        _checks.fail(name, expected, repr(value), TypeError)
    return value


def _kind(label, route, control, control_passed, consistency):
    """Check the evidence arguments of :func:`certify`; return the certificate's kind."""
    if route is not None:
        _text("route", route, allow_empty=False)
    if control is not None:
        _text("control", control, allow_empty=False)
        if not isinstance(control_passed, (bool, np.bool_)):
            _checks.fail("control_passed", "a bool (the check's outcome on the control)",
                         type(control_passed).__name__, TypeError)
    elif control_passed is not None:
        _checks.fail("control_passed", "none without a control", repr(control_passed))
    if not isinstance(consistency, (bool, np.bool_)):
        _checks.fail("consistency", "a bool", type(consistency).__name__, TypeError)
    if consistency:
        if route is not None or control is not None:
            _checks.fail("consistency", "False for a certificate with a route or a control",
                         repr(consistency))
        return KINDS[3]
    if route is None and control is None:
        raise TypeError(
            f"certificate {label}: say what makes it evidence, route='the independent second "
            "route' or control='where the check must fail' with control_passed=..., or "
            "label it consistency=True")
    return KINDS[2] if route is not None and control is not None else (
        KINDS[0] if route is not None else KINDS[1])


def certify(label, claim, passed, statement, verdict=None, condition="", evidence="",
            basis="mathematics", route=None, control=None, control_passed=None,
            consistency=False):
    """Assert a certificate and record it for the claims ledger.

    Parameters
    ----------
    label : str
        The MyST target placed just above the certificate cell, e.g.
        ``'cert-eq9-exact'``; unique in the book. The ledger links to it. A cell
        whose check bears on several claims calls ``certify`` once per claim with
        the same label.
    claim : str
        A key of ``RESULTS`` (a result of the paper) or of ``REMARKS`` (a Remark of
        the book).
    passed : bool
        The outcome of the check. ``False`` raises ``AssertionError``.
    statement : str
        One line: what was checked, e.g. "eq. (9) holds to round-off".
    verdict : str, optional
        For a result of the paper, what the check shows about the statement as the
        paper writes it: one of ``VERDICTS`` (default ``'holds'``). For
        ``'fails as stated'`` the certificate's cell is the counterexample. For a
        Remark leave it out: a passed certificate confirms the Remark.
    condition : str, optional
        Required with ``'holds with an extra condition'``, and only then: the
        condition the paper does not state, e.g. "a uniform margin sigma_min(H) >= s".
    evidence : str, optional
        The measured numbers, rounded, e.g. ``"relative residual 2e-16"``.
    basis : str, optional
        ``'mathematics'`` (default) or ``'implementation'``, for a check that only
        compares routes through canon; the ledger never takes a verdict from it.
    route : str, optional
        The independent route: what the second computation is and why it shares no
        code with the first, e.g. "autograd's Hessian against the closed form".
    control : str, optional
        The control: where the same check is run with the claim's hypothesis broken
        (or the claim false), e.g. "the reversed inequality, on the same networks".
    control_passed : bool, optional
        The check's outcome on the control; required with ``control``. It must be
        ``False``: a control that passes shows that the check cannot tell.
    consistency : bool, optional
        ``True`` for a check that holds by construction: recorded as a consistency
        check, never as evidence. Exclusive with ``route`` and ``control``.

    Raises
    ------
    TypeError
        If the certificate has neither a route nor a control and is not labelled a
        consistency check.
    AssertionError
        If ``passed`` is false, or if the control passed.
    """
    if not isinstance(label, str) or not label.strip():
        _checks.fail("label", "a non-empty MyST target name", repr(label), TypeError)
    _checks.choice("claim", claim, tuple(CLAIMS))
    _text("statement", statement, allow_empty=False)
    _text("condition", condition)
    _text("evidence", evidence)
    _checks.choice("basis", basis, BASES)
    if claim in REMARKS:
        if verdict not in (None, "confirmed"):
            _checks.fail("verdict", f"none for a Remark ({claim} is confirmed or not)",
                         repr(verdict))
        if condition:
            _checks.fail("condition", f"none for a Remark ({claim})", repr(condition))
        verdict = "confirmed"
    else:
        verdict = "holds" if verdict is None else verdict
        _checks.choice("verdict", verdict, VERDICTS)
        if verdict == VERDICTS[1] and not condition.strip():
            _checks.fail("condition", f"the extra condition {claim} needs (a non-empty string)",
                         repr(condition))
        if verdict != VERDICTS[1] and condition:
            _checks.fail("condition", f"none unless verdict is {VERDICTS[1]!r}", repr(condition))
    if not isinstance(passed, (bool, np.bool_)):
        _checks.fail("passed", "a bool (the outcome of the check)", type(passed).__name__, TypeError)
    kind = _kind(label, route, control, control_passed, consistency)
    if not passed:
        raise AssertionError(f"certificate {label} failed: {statement} ({evidence})")
    if control is not None and control_passed:
        raise AssertionError(
            f"certificate {label} failed: its control passed too, so the check cannot tell "
            f"({control})")
    folder = os.environ.get("CANON_LEDGER_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        record = dict(label=label, claim=claim, statement=statement, verdict=verdict,
                      condition=condition, evidence=evidence, basis=basis, kind=kind,
                      route=route or "", control=control or "")
        with open(os.path.join(folder, "certificates.jsonl"), "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record) + "\n")
    tag = claim if verdict in ("holds", "confirmed") else f"{claim}, {verdict}"
    if basis == "implementation":
        tag += ", implementation check"
    if consistency:
        tag += ", consistency check"
    line = f"certified [{tag}]: {statement}"
    if condition:
        line += f"; extra condition: {condition}"
    if evidence:
        line += f" ({evidence})"
    if control is not None:
        line += f"; the control fails, as it must: {control}"
    print(textwrap.fill(line, width=79, subsequent_indent="    "))


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
