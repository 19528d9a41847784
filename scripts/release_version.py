"""Check that a release tag, pyproject.toml and ``krm_fn.__version__`` agree, and print the image tags.

The release workflow runs ``python scripts/release_version.py "$GITHUB_REF_NAME" >> "$GITHUB_OUTPUT"`` before
anything is built. A tag must be ``vX.Y.Z`` (the kpt catalog's immutable patch tags; ``vX.Y`` and ``vX`` float
to it), and X.Y.Z must be the version the wheel and ``seq-fn --version`` will carry. Prints
``version=X.Y.Z``, ``patch=vX.Y.Z``, ``minor=vX.Y`` and ``major=vX``; exit 1 with the reason otherwise.
Reads the files as text, so it needs nothing installed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = re.compile(r"^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


class Refused(ValueError):
    """The tag cannot be released; the message says why and what to do."""


def package_version(root: Path = ROOT) -> str:
    """``__version__`` of krm_fn/__init__.py, read without importing it."""
    found = re.search(r'^__version__ = "([^"]+)"$', (root / "krm_fn" / "__init__.py").read_text(), re.MULTILINE)
    if not found:
        raise Refused('krm_fn/__init__.py has no __version__ = "X.Y.Z" line')
    return found.group(1)


def pyproject_version(root: Path = ROOT) -> str:
    """The version pyproject.toml gives the wheel: its own, or the attribute it names (``krm_fn.__version__``)."""
    data = tomllib.loads((root / "pyproject.toml").read_text())
    project = data["project"]
    if "version" in project:
        return str(project["version"])
    if "version" not in project.get("dynamic", []):
        raise Refused("pyproject.toml has neither project.version nor a dynamic version")
    attr = data["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    if attr != "krm_fn.__version__":
        raise Refused(f"pyproject.toml takes its version from {attr}, not krm_fn.__version__")
    return package_version(root)


def release_tags(tag: str, root: Path = ROOT) -> dict[str, str]:
    """The outputs for ``tag``; :class:`Refused` names what disagrees."""
    match = TAG.match(tag)
    if not match:
        raise Refused(f"release tag {tag!r} must look like vX.Y.Z (for example v1.2.3)")
    version = tag[1:]
    for where, found in (("pyproject.toml", pyproject_version(root)), ("krm_fn.__version__", package_version(root))):
        if found != version:
            raise Refused(f"release tag {tag} says {version}, but {where} says {found}: bump it, then tag again")
    major, minor, _ = match.groups()
    return {"version": version, "patch": tag, "minor": f"v{major}.{minor}", "major": f"v{major}"}


def main(argv: list[str]) -> int:
    """``release_version.py TAG``: print ``key=value`` lines for ``$GITHUB_OUTPUT``."""
    if len(argv) != 1:
        print("usage: release_version.py vX.Y.Z", file=sys.stderr)
        return 2
    try:
        outputs = release_tags(argv[0])
    except Refused as refused:
        print(f"release_version: {refused}", file=sys.stderr)
        return 1
    print("\n".join(f"{key}={value}" for key, value in outputs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
