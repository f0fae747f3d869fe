"""Write the published book's ``_config.yml`` from the local one.

The repository's ``_config.yml`` is the local, offline configuration: no repository
link, no launch button, no live code, so that every page reads offline and the offline
checks (``make test``) see no outside host. The published site (built by
``.github/workflows/publish.yml`` on every push to main) is the same book with

- ``repository.url`` the repository the workflow runs in (``GITHUB_REPOSITORY``, for
  example ``octo-org/canon`` gives ``https://github.com/octo-org/canon``), so the
  repository and issues buttons and every launch link point at it;
- launch buttons for Binder (``https://mybinder.org``, which installs
  ``environment.yml``) and Colab (the chapters' first cell installs ``canon`` there,
  see ``scripts/colab_cell.py``);
- Thebe's live code (a "Live Code" launch button that runs a page's cells on Binder);
- ``html.baseurl`` the site's address, ``https://OWNER.github.io/REPO/``, for the pages'
  canonical links.

Everything else is copied unchanged. Usage, from the repository's root::

    python scripts/publish_config.py                      # repository from GITHUB_REPOSITORY
    python scripts/publish_config.py --repository octo-org/canon --out /tmp/_config.yml

Without ``--out`` it rewrites ``_config.yml`` in place (what the workflow does, in its
own checkout). Written elsewhere, the Sphinx extension folder is given as an absolute
path, so ``jupyter-book build . --config OUT`` finds it.
"""

import argparse
import copy
import json
import os
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"

BINDERHUB_URL = "https://mybinder.org"
COLAB_URL = "https://colab.research.google.com"

#: ``owner/name`` as GitHub spells them: letters, digits, ``-`` (owner) and ``._-`` (name).
_REPOSITORY = re.compile(r"^(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)/"
                         r"(?P<name>[A-Za-z0-9._-]+)")


def parse_repository(repository):
    """Split ``owner/name`` and check it names a GitHub repository.

    Parameters
    ----------
    repository : str
        The repository as ``GITHUB_REPOSITORY`` gives it, e.g. ``"octo-org/canon"``.

    Returns
    -------
    (str, str)
        The owner and the repository's name.

    Raises
    ------
    ValueError
        If ``repository`` is not of the form ``owner/name`` with GitHub's characters.
    """
    match = _REPOSITORY.fullmatch(repository or "")
    if not match or match.group("name") in (".", ".."):
        raise ValueError(f"not a GitHub repository (owner/name): {repository!r}")
    return match.group("owner"), match.group("name")


def site_url(repository):
    """The address GitHub Pages publishes the repository's site at.

    ``owner/name`` is published at ``https://owner.github.io/name/``, except the
    repository named ``owner.github.io``, which is published at the root.
    """
    owner, name = parse_repository(repository)
    host = f"{owner.lower()}.github.io"
    return f"https://{host}/" if name.lower() == host else f"https://{host}/{name}/"


def published_config(config, repository, branch="main"):
    """The published configuration: ``config`` with the repository and launch buttons on.

    Parameters
    ----------
    config : dict
        The local configuration (``_config.yml`` as loaded by ``yaml.safe_load``); left
        unchanged.
    repository : str
        ``owner/name`` of the repository the site is published from.
    branch : str
        The branch the launch buttons open (the one the workflow publishes).

    Returns
    -------
    dict
        A new configuration.
    """
    owner, name = parse_repository(repository)
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch or ""):
        raise ValueError(f"not a branch name: {branch!r}")
    published = copy.deepcopy(config)
    published.setdefault("repository", {}).update(
        url=f"https://github.com/{owner}/{name}", branch=branch)
    html = published.setdefault("html", {})
    html.update(use_repository_button=True, use_issues_button=True,
                baseurl=site_url(repository))
    launch = published.setdefault("launch_buttons", {})
    launch.update(binderhub_url=BINDERHUB_URL, colab_url=COLAB_URL, thebe=True)
    return published


def _literal_strings(dumper, text):
    """Multi-line strings (the LaTeX preamble, the footer) as YAML literal blocks."""
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(str, _literal_strings)


def dump(config):
    """``config`` as YAML text, keys in their order, multi-line strings as blocks."""
    header = ("# The published book's configuration, written by scripts/publish_config.py\n"
              "# from the repository's _config.yml: edit that one, not this.\n")
    return header + yaml.dump(config, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                              width=100)


def write_published_config(repository, out=None, source=None, branch="main"):
    """Write the published configuration of ``source`` to ``out``.

    Both default to the repository's ``_config.yml`` (``out`` rewrites it in place).

    Returns
    -------
    dict
        The configuration written.
    """
    source = pathlib.Path(source or CONFIG).resolve()
    out = pathlib.Path(out or source).resolve()
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    published = published_config(config, repository, branch)
    if out.parent != source.parent:
        # jupyter-book resolves local extension folders against the config file's folder
        extensions = published.get("sphinx", {}).get("local_extensions") or {}
        for key, folder in extensions.items():
            extensions[key] = str((source.parent / folder).resolve())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump(published), encoding="utf-8")
    return published


def colab_install_urls(book=ROOT / "book"):
    """Where each chapter's Colab cell installs canon from (``scripts/colab_cell.py``).

    Returns
    -------
    dict
        Notebook name -> the repository URL of its ``install-canon`` cell, or None if it
        has none.
    """
    urls = {}
    for path in sorted(pathlib.Path(book).glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        source = next(("".join(c.get("source", "")) for c in cells
                       if c.get("id") == "install-canon"), "")
        match = re.search(r"git\+(https://[^\s\"']+)", source)
        urls[path.name] = match.group(1) if match else None
    return urls


def colab_warnings(repository_url, urls):
    """What to tell the publisher when Colab readers would not get this repository's canon."""
    missing = sorted(name for name, url in urls.items() if url is None)
    other = sorted({url for url in urls.values() if url and url != repository_url})
    warnings = []
    if missing:
        warnings.append(f"{len(missing)} chapter(s) have no Colab install cell ({', '.join(missing)}): "
                        "on Colab they fail at 'import canon'; run python scripts/colab_cell.py")
    if other:
        warnings.append(f"the chapters' Colab install cell installs canon from {', '.join(other)}, "
                        f"not from {repository_url}: set repository.url in _config.yml to this "
                        "repository and run python scripts/colab_cell.py to install a fork's canon")
    return warnings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repository", default=os.environ.get("GITHUB_REPOSITORY"),
                        help="owner/name (default: $GITHUB_REPOSITORY)")
    parser.add_argument("--branch", default="main",
                        help="the branch launch buttons open (default: %(default)s)")
    parser.add_argument("--out", help="where to write (default: rewrite _config.yml in place)")
    args = parser.parse_args(argv)
    if not args.repository:
        parser.error("no repository: pass --repository OWNER/NAME or set GITHUB_REPOSITORY")
    try:
        published = write_published_config(args.repository, args.out, CONFIG, args.branch)
    except ValueError as error:
        print(f"publish config: {error}", file=sys.stderr)
        return 2
    print(f"{args.out or CONFIG}: repository {published['repository']['url']}, site "
          f"{published['html']['baseurl']}, launch buttons Binder, Colab and live code on")
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for warning in colab_warnings(published["repository"]["url"], colab_install_urls()):
        print(f"::warning title=Colab::{warning}" if annotate else f"warning: {warning}",
              file=sys.stdout if annotate else sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
