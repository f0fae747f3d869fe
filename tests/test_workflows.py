"""The code host's workflows (``.github/workflows/``), checked offline.

- Both workflows validate against the GitHub workflow schema
  (``check-jsonschema --builtin-schema vendor.github-workflows``, the schema ships with
  the tool) and against its stricter variant that requires a timeout on every job.
- ``zizmor --offline``, the Actions security audit, reports no finding above low, in
  the default persona and in the pedantic one (pinned actions, least ``permissions``,
  no credentials left in the checkout, no template injection, ...).
- What the workflows must do: CI runs ``bash .ci/run`` (the command run here) on push
  and pull request with Python 3.11 on the current Ubuntu runner, caches pip on
  ``constraints.txt``, and uploads the screenshots and the built site; publishing runs
  ``make book`` with the published configuration and deploys with the official Pages
  actions; every action is pinned by a full commit SHA with its version as a comment.
"""

import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"
PUBLISH = WORKFLOWS / "publish.yml"
#: Severities zizmor may report (anything above low fails).
ALLOWED = {"Unknown", "Informational", "Low"}


def tool(name):
    """A command-line tool of the test environment: next to this Python, or on PATH."""
    here = pathlib.Path(sys.executable).parent / name
    found = str(here) if here.is_file() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: it is in the [test] extra "
                    "(pip install -c constraints.txt -e '.[test]', which make test does)")
    return found


def load(path):
    # PyYAML reads the key "on" as True (YAML 1.1); GitHub reads it as "on"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow):
    return [(job, step) for job, spec in workflow["jobs"].items() for step in spec["steps"]]


def run_text(workflow):
    return "\n".join(step.get("run", "") for _, step in steps(workflow))


def test_both_workflows_exist():
    assert CI.is_file() and PUBLISH.is_file()


@pytest.mark.parametrize("schema", ["vendor.github-workflows",
                                    "custom.github-workflows-require-timeout"])
def test_workflows_match_the_schema(schema):
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", schema, str(CI), str(PUBLISH)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_finds_nothing_above_low(persona):
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", f"--persona={persona}", "--format", "json",
         str(CI), str(PUBLISH)],
        capture_output=True, text=True, timeout=300)
    assert result.stdout.strip().startswith("["), result.stdout + result.stderr
    findings = json.loads(result.stdout)
    serious = [f"{f['ident']} ({f['determinations']['severity']}): {f['desc']} at "
               + ", ".join(loc["concrete"]["feature"].strip() for loc in f["locations"])
               for f in findings if f["determinations"]["severity"] not in ALLOWED]
    assert not serious, "\n".join(serious)
    if persona == "pedantic":
        assert not findings, [f["ident"] for f in findings]


def test_the_audit_catches_a_bad_workflow(tmp_path):
    """The check above can fail: an unpinned, injectable workflow is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\n"
        "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: echo \"${{ github.event.pull_request.title }}\"\n", encoding="utf-8")
    result = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--format", "json",
                             str(bad)], capture_output=True, text=True, timeout=300)
    idents = {f["ident"] for f in json.loads(result.stdout)}
    assert {"unpinned-uses", "template-injection", "artipacked"} <= idents, idents


@pytest.mark.parametrize("path", [CI, PUBLISH], ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_with_their_version(path):
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
             if re.match(r"\s*(-\s+)?uses:", line)]
    assert lines, f"{path.name} uses no action"
    pinned = re.compile(r"^(-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d+\.\d+\.\d+$")
    loose = [line for line in lines if not pinned.match(line)]
    assert not loose, f"not pinned by SHA with a '# vX.Y.Z' comment: {loose}"


@pytest.mark.parametrize("path", [CI, PUBLISH], ids=lambda p: p.name)
def test_least_permissions_and_no_persisted_credentials(path):
    workflow = load(path)
    assert workflow["permissions"] == {}, "the workflow grants nothing by default"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name} names its permissions"
        for key, value in job["permissions"].items():
            assert value in ("read", "write", "none")
            if value == "write":
                assert (path, name, key) in {(PUBLISH, "deploy", "pages"),
                                             (PUBLISH, "deploy", "id-token")}, (name, key)
        assert job.get("timeout-minutes"), f"job {name} has no timeout"
    for _, step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False
    # no ${{ ... }} expansion inside a shell script: values reach scripts as variables
    assert "${{" not in run_text(workflow)


def test_ci_runs_the_projects_command_and_uploads_what_it_made():
    workflow = load(CI)
    assert {"push", "pull_request"} <= set(workflow["on"])
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    uses = {step.get("uses", "").split("@")[0]: step for step in job["steps"]}
    python = uses["actions/setup-python"]["with"]
    assert python["python-version"] == "3.11"
    assert python["cache"] == "pip" and python["cache-dependency-path"] == "constraints.txt"
    runs = [step["run"].strip() for step in job["steps"] if "run" in step]
    assert "bash .ci/run" in runs
    uploads = [step for step in job["steps"]
               if step.get("uses", "").startswith("actions/upload-artifact@")]
    paths = "\n".join(step["with"]["path"] for step in uploads)
    assert "_build/screenshots/" in paths and "_build/html/" in paths
    assert "_build/student/_build/html/" in paths
    assert all(step.get("if") == "always()" for step in uploads), "uploaded when tests fail too"


def test_ci_installs_the_makefiles_tex_packages():
    """The runner is not root, so CI installs .ci/run's packages first: the same list."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    wanted = set(re.search(r"^TEXLIVE := (.*)$", makefile, re.M).group(1).split())
    script = run_text(load(CI))
    install = re.search(r"apt-get install (.*?)>/dev/null", script.replace("\\\n", " "), re.S)
    named = {w for w in install.group(1).split() if not w.startswith("-")}
    assert named == wanted
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert all(package in ci_run for package in wanted)


def test_publish_builds_the_published_book_and_deploys_it_with_the_pages_actions():
    workflow = load(PUBLISH)
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    order = [step.get("run", step.get("uses", "")).strip() for step in build["steps"]]

    def at(text):
        return next(i for i, entry in enumerate(order) if text in entry)

    assert at("make .venv/.installed") < at("scripts/publish_config.py") < at("make book")
    assert at("make book") < at("tests/test_published.py") < at("actions/upload-pages-artifact@")
    assert at("actions/configure-pages@") < at("actions/upload-pages-artifact@")
    upload = build["steps"][at("actions/upload-pages-artifact@")]
    assert upload["with"]["path"] == "_build/html"
    assert build["steps"][at("tests/test_published.py")]["env"]["CANON_PUBLISHED_SITE"] == "_build/html"
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    # the published configuration takes the repository from the workflow's environment
    assert "--repository" not in run_text(workflow)
