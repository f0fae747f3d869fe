"""Tests of canon.ledger: certificates and the records of the claims ledger."""

import json

import numpy as np
import pytest

import canon
from canon.ledger import BASES, KINDS, REMARKS, RESULTS, UNTESTED, VERDICTS, read_certificates


def test_a_failed_certificate_raises(monkeypatch, tmp_path):
    monkeypatch.setenv("CANON_LEDGER_DIR", str(tmp_path))
    with pytest.raises(AssertionError, match=r"certificate cert-eq9-exact failed: eq\. \(9\) holds \(residual 0\.3\)"):
        canon.certify("cert-eq9-exact", "eq9", False, "eq. (9) holds", evidence="residual 0.3", route="own FFT")
    with pytest.raises(AssertionError, match="cert-numpy-false"):
        canon.certify("cert-numpy-false", "eq9", np.bool_(False), "numpy's False counts too", route="r")
    assert read_certificates(str(tmp_path)) == []  # a failure is not recorded


def test_a_passed_certificate_is_recorded(monkeypatch, tmp_path, capsys):
    folder = tmp_path / "ledger"  # created on demand
    monkeypatch.setenv("CANON_LEDGER_DIR", str(folder))
    canon.certify("cert-eq9-exact", "eq9", True, "eq. (9) holds to round-off", evidence="residual 2e-16", route="own FFT")
    canon.certify("cert-remark9", "remark9", np.bool_(True), "rank capped", control="tanh", control_passed=np.bool_(False))
    canon.certify("cert-margin", "theorem2", True, "converges", verdict=VERDICTS[1], condition="a margin", route="r", control="no margin", control_passed=False)
    canon.certify("cert-r10", "lemma1", True, "a spurious minimum", verdict="fails as stated", route="own Hessian")
    canon.certify("cert-routes", "eq8", True, "routes agree", basis="implementation", consistency=True)
    assert capsys.readouterr().out.splitlines() == [
        "certified [eq9]: eq. (9) holds to round-off (residual 2e-16)",
        "certified [remark9]: rank capped; the control fails, as it must: tanh",
        "certified [theorem2, holds with an extra condition]: converges; extra",
        "    condition: a margin; the control fails, as it must: no margin",
        "certified [lemma1, fails as stated]: a spurious minimum",
        "certified [eq8, implementation check, consistency check]: routes agree",
    ]
    lines = (folder / "certificates.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == read_certificates(str(folder))
    common = dict(condition="", evidence="", basis="mathematics", route="", control="")
    assert read_certificates(str(folder)) == [
        common | dict(label="cert-eq9-exact", claim="eq9", statement="eq. (9) holds to round-off", verdict="holds", evidence="residual 2e-16", kind="independent route", route="own FFT"),
        common | dict(label="cert-remark9", claim="remark9", statement="rank capped", verdict="confirmed", kind="control", control="tanh"),
        common | dict(label="cert-margin", claim="theorem2", statement="converges", verdict="holds with an extra condition", condition="a margin", kind="independent route and control", route="r", control="no margin"),
        common | dict(label="cert-r10", claim="lemma1", statement="a spurious minimum", verdict="fails as stated", kind="independent route", route="own Hessian"),
        common | dict(label="cert-routes", claim="eq8", statement="routes agree", verdict="holds", basis="implementation", kind="consistency check"),
    ]  # fmt: skip


def test_nothing_is_written_without_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("CANON_LEDGER_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    canon.certify("cert-quiet", "eq1", True, "MSE is convex", route="r")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv("CANON_LEDGER_DIR", "")  # empty means unset
    canon.certify("cert-quiet", "eq1", True, "MSE is convex", route="r")
    assert list(tmp_path.iterdir()) == []


def test_every_claim_is_stated():
    assert {"eq1", "eq9", "theorem1", "lemma1", "lemma2", "theorem2", "sec331", "sec332"} <= set(RESULTS)
    assert {"sec333count", "sec333init", "sec333train"} <= set(RESULTS)
    assert set(REMARKS) == {f"remark{i}" for i in range(1, 14)}
    assert canon.CLAIMS == RESULTS | REMARKS and not set(RESULTS) & set(REMARKS)
    assert all(isinstance(text, str) and text for text in canon.CLAIMS.values())
    assert set(UNTESTED) <= set(RESULTS)
    assert VERDICTS[0] == "holds" and BASES[0] == "mathematics"
    assert KINDS == ("independent route", "control", "independent route and control", "consistency check")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        pytest.param(dict(claim="eq99"), ValueError, r"^claim: expected one of 'eq1'.*got 'eq99'", id="unknown-claim"),
        pytest.param(dict(verdict="true"), ValueError, r"^verdict: expected one of 'holds'.*got 'true'", id="unknown-verdict"),
        pytest.param(dict(claim="remark10", verdict="holds"), ValueError, r"^verdict: expected none for a Remark \(remark10 is confirmed or not\), got 'holds'", id="verdict-on-a-remark"),
        pytest.param(dict(claim="remark4", condition="c"), ValueError, r"^condition: expected none for a Remark", id="condition-on-a-remark"),
        pytest.param(dict(verdict=VERDICTS[1]), ValueError, r"^condition: expected the extra condition eq9 needs", id="extra-condition-unnamed"),
        pytest.param(dict(verdict=VERDICTS[1], condition="  "), ValueError, r"^condition: expected the extra condition", id="extra-condition-blank"),
        pytest.param(dict(condition="c"), ValueError, r"^condition: expected none unless verdict is 'holds with an extra condition'", id="condition-without-its-verdict"),
        pytest.param(dict(verdict="fails as stated", condition="c"), ValueError, r"^condition: expected none unless", id="condition-on-a-failure"),
        pytest.param(dict(basis="unit tests"), ValueError, r"^basis: expected one of 'mathematics', 'implementation', got 'unit tests'", id="unknown-basis"),
        pytest.param(dict(statement=""), TypeError, r"^statement: expected a non-empty string", id="empty-statement"),
        pytest.param(dict(evidence=3), TypeError, r"^evidence: expected a string, got 3", id="evidence-not-a-string"),
        pytest.param(dict(label=""), TypeError, r"^label: expected a non-empty MyST target name", id="empty-label"),
        pytest.param(dict(label=3), TypeError, r"^label: expected a non-empty MyST target name, got 3", id="label-not-a-string"),
        pytest.param(dict(passed=1), TypeError, r"^passed: expected a bool .*got int", id="passed-an-int"),
        pytest.param(dict(passed="yes"), TypeError, r"^passed: expected a bool .*got str", id="passed-a-string"),
        pytest.param(dict(route=None), TypeError, r"^certificate cert-x: say what makes it evidence, route=.*or label it consistency=True$", id="no-kind"),
        pytest.param(dict(route=""), TypeError, r"^route: expected a non-empty string", id="empty-route"),
        pytest.param(dict(control="c"), TypeError, r"^control_passed: expected a bool \(the check's outcome on the control\), got NoneType", id="control-without-outcome"),
        pytest.param(dict(control_passed=False), ValueError, r"^control_passed: expected none without a control", id="outcome-without-control"),
        pytest.param(dict(consistency=True), ValueError, r"^consistency: expected False for a certificate with a route or a control", id="consistency-with-a-route"),
        pytest.param(dict(route=None, consistency="yes"), TypeError, r"^consistency: expected a bool", id="consistency-not-a-bool"),
        pytest.param(dict(control="the reversed bound", control_passed=True), AssertionError, r"^certificate cert-x failed: its control passed too, so the check cannot tell \(the reversed bound\)", id="control-that-passes"),
    ],
)
def test_certify_rejects(kwargs, error, match, monkeypatch, tmp_path):
    monkeypatch.setenv("CANON_LEDGER_DIR", str(tmp_path))
    arguments = dict(label="cert-x", claim="eq9", passed=True, statement="s", route="own FFT") | kwargs
    with pytest.raises(error, match=match):
        canon.certify(**arguments)
    assert read_certificates(str(tmp_path)) == []
