"""Fault injection: every fault makes a certificate fail in every chapter it concerns.

The faults and the runner are in ``tests/faults.py``. The matrix runs once per session
(50 chapter runs, about 6 minutes on 2 workers); ``make test`` runs it before the strict build,
which reads ``_build/faults/caught.json`` into the claims ledger. Marked ``faults``; the
matrix runs only when the marker is selected (``-m faults``), so that ``make unit`` and a
plain ``pytest tests`` leave it out.
"""

import pytest

import faults

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def matrix(request):
    expression = request.config.getoption("markexpr") or ""
    if "faults" not in expression or "not faults" in expression:
        pytest.skip("the fault matrix runs with -m faults (make faults, make test)")
    results = faults.run_matrix()
    table = faults.summary(results)
    with open(faults.OUTPUT.replace(".json", ".txt"), "w", encoding="utf-8") as stream:
        stream.write(table + "\n")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        for line in table.splitlines():
            reporter.write_line(line)
    return results


def test_every_fault_concerns_a_chapter():
    assert len(faults.FAULTS) >= 8
    for fault in faults.FAULTS:
        assert fault.chapters, f"fault {fault.name} concerns no chapter"
        unknown = set(fault.chapters) - set(faults.NOTEBOOKS)
        assert not unknown, f"fault {fault.name}: unknown chapters {sorted(unknown)}"


@pytest.mark.parametrize("name, chapter", faults.pairs())
def test_fault_is_caught(matrix, name, chapter):
    result = matrix["faults"][name]["chapters"][chapter]
    if result["caught_by"]:
        return
    others = sorted(set(result["other_errors"]))
    hits = result["hits"] or {}
    changed = sum(changes for _, changes in hits.values())
    detail = (f"it only crashed with other errors ({', '.join(others)}), which do not "
              f"count as caught" if others else "no cell raised anything")
    pytest.fail(f"fault {name} ({faults.FAULTS_BY_NAME[name].description}) is caught by "
                f"no certificate of {chapter}: {detail}; the faulty functions changed "
                f"their result in {changed} calls ({hits})")
