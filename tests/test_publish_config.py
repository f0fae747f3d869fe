"""The published configuration (scripts/publish_config.py) and the local one, offline.

The repository's ``_config.yml`` builds the offline book: no repository URL in use, no
launch button, no live code. The publish workflow writes the published configuration
from it for the repository it runs in; here it is written for a made-up repository and
checked as jupyter-book reads it: the repository and launch URLs, Thebe on, the site's
address, and nothing else changed. Thebe's scripts (``_ext/canon_sphinx.py``) are
dropped where live code is off and kept once where it is on.
"""

import copy
import importlib.util
import pathlib
import types

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("publish_config", ROOT / "scripts" / "publish_config.py")
publish_config = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(publish_config)

FAKE = "octo-org/open-book"
LAUNCH_KEYS = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url", "jupyterlite_url")


def local_config():
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def sphinx_config(path):
    """The Sphinx configuration jupyter-book makes of a ``_config.yml`` (validated)."""
    from jupyter_book.config import get_final_config

    config, _ = get_final_config(user_yaml=pathlib.Path(path), sourcedir=ROOT,
                                 cli_config={"latex_individualpages": False},
                                 raise_on_invalid=True)
    return config


def test_the_local_configuration_is_offline():
    config = local_config()
    launch = config["launch_buttons"]
    assert not any(launch.get(key) for key in LAUNCH_KEYS), launch
    assert launch.get("thebe") is False
    html = config["html"]
    assert not any(html.get(b) for b in ("use_repository_button", "use_issues_button",
                                          "use_edit_page_button"))
    assert "baseurl" not in html
    # the URL is never empty (an empty one crashes the build) but nothing uses it
    assert config["repository"]["url"].startswith("https://github.com/")
    theme = sphinx_config(ROOT / "_config.yml")["html_theme_options"]
    assert not theme["launch_buttons"].get("thebe")
    assert not any(theme.get(b) for b in ("use_repository_button", "use_issues_button"))


def test_published_configuration_for_a_fake_repository(tmp_path):
    out = tmp_path / "_config.yml"
    assert publish_config.main(["--repository", FAKE, "--out", str(out)]) == 0
    config = sphinx_config(out)
    theme = config["html_theme_options"]
    assert theme["repository_url"] == "https://github.com/octo-org/open-book"
    assert theme["repository_branch"] == "main"
    assert theme["use_repository_button"] is True and theme["use_issues_button"] is True
    launch = theme["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    assert launch["thebe"] is True
    assert launch["notebook_interface"] == "jupyterlab"
    assert config["html_baseurl"] == "https://octo-org.github.io/open-book/"
    # written outside the repository, the extension folder is absolute, so it is found
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert written["sphinx"]["local_extensions"]["canon_sphinx"] == str(ROOT / "_ext")


def test_nothing_else_changes():
    local = local_config()
    published = publish_config.published_config(local, FAKE)
    assert local == local_config(), "the local configuration is left unchanged"
    expected = copy.deepcopy(local)
    expected["repository"].update(url="https://github.com/octo-org/open-book", branch="main")
    expected["html"].update(use_repository_button=True, use_issues_button=True,
                            baseurl="https://octo-org.github.io/open-book/")
    expected["launch_buttons"].update(binderhub_url="https://mybinder.org",
                                      colab_url="https://colab.research.google.com", thebe=True)
    assert published == expected


def test_the_written_file_reads_back_as_written(tmp_path):
    """Multi-line values (the LaTeX preamble, the footer) survive the round trip."""
    out = tmp_path / "_config.yml"
    published = publish_config.write_published_config(FAKE, out)
    reread = yaml.safe_load(out.read_text(encoding="utf-8"))
    published["sphinx"]["local_extensions"] = reread["sphinx"]["local_extensions"]
    assert reread == published
    assert "preamble: |" in out.read_text(encoding="utf-8")


def test_in_place_from_the_workflows_environment(tmp_path, monkeypatch):
    """Without arguments the script reads GITHUB_REPOSITORY and rewrites _config.yml."""
    source = tmp_path / "_config.yml"
    source.write_text((ROOT / "_config.yml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(publish_config, "CONFIG", source)
    monkeypatch.setenv("GITHUB_REPOSITORY", "Someone/canon-fork")
    assert publish_config.main(["--out", str(source)]) == 0
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert config["repository"]["url"] == "https://github.com/Someone/canon-fork"
    assert config["html"]["baseurl"] == "https://someone.github.io/canon-fork/"
    assert config["sphinx"]["local_extensions"]["canon_sphinx"] == "_ext"   # same folder
    monkeypatch.delenv("GITHUB_REPOSITORY")
    with pytest.raises(SystemExit):
        publish_config.main(["--out", str(tmp_path / "x.yml")])


@pytest.mark.parametrize("repository, url", [
    ("octo-org/open-book", "https://octo-org.github.io/open-book/"),
    ("Octo-Org/Open.Book", "https://octo-org.github.io/Open.Book/"),
    ("octo-org/octo-org.github.io", "https://octo-org.github.io/"),
])
def test_site_url(repository, url):
    assert publish_config.site_url(repository) == url


@pytest.mark.parametrize("repository", [
    "", "octo-org", "octo-org/", "/open-book", "octo org/book", "octo/book/extra",
    "octo/..", "-octo/book", 'octo/book"; echo', "octo/book\n"])
def test_bad_repositories_are_refused(repository, tmp_path, capsys):
    with pytest.raises(ValueError, match="not a GitHub repository"):
        publish_config.parse_repository(repository)
    assert publish_config.main([f"--repository={repository or 'x'}", "--out",
                                str(tmp_path / "c.yml")]) == 2
    assert not (tmp_path / "c.yml").exists()


def test_bad_branch_is_refused():
    with pytest.raises(ValueError, match="not a branch name"):
        publish_config.published_config(local_config(), FAKE, branch="main; rm -rf /")


# -- Thebe's scripts on the pages ---------------------------------------------------------

def _page_scripts():
    """script_files as Sphinx 7.4 gives them with sphinx-thebe: its inline script twice."""
    from sphinx.builders.html._assets import _JavaScript

    inline = 'const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"'
    return [_JavaScript("_static/jquery.js"), _JavaScript(None, body=inline),
            _JavaScript("_static/sphinx-thebe.js", **{"async": "async"}),
            _JavaScript(None, body=inline), _JavaScript("_static/canon.js")]


def _drop(thebe):
    import sys

    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        import canon_sphinx
    finally:
        sys.path.pop(0)
    app = types.SimpleNamespace(config=types.SimpleNamespace(
        html_theme_options={"launch_buttons": {"thebe": thebe}}))
    context = {"script_files": _page_scripts()}
    canon_sphinx._drop_thebe_scripts(app, "book/x", "page.html", context, None)
    return [s.filename or s.attributes.get("body") for s in context["script_files"]]


def test_thebe_scripts_are_dropped_where_live_code_is_off():
    assert _drop(False) == ["_static/jquery.js", "_static/canon.js"]


def test_thebe_scripts_are_kept_once_where_live_code_is_on():
    kept = _drop(True)
    assert kept[0] == "_static/jquery.js" and kept[-1] == "_static/canon.js"
    assert len(kept) == 4 and sum("THEBE_JS_URL" in str(s) for s in kept) == 1
    assert "_static/sphinx-thebe.js" in kept
