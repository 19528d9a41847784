"""``seq-fn explain TOPIC``: the troubleshooting page, read from the installed package.

Error messages end with ``(see: seq-fn explain TOPIC)``. The page ships inside the package (``krm_fn/
troubleshooting.md``, the one source of truth, also what the repository links to), so the pointer leads somewhere
wherever seq-fn runs: a wheel, the function image, an Argo CD sidecar, with no repository checkout at hand. The
pages it links to ship beside it (``reliability.md``), and the links are printed as their installed paths.
"""

from __future__ import annotations

import re
from importlib import resources

#: The page, as package data of :mod:`krm_fn`.
PAGE = "troubleshooting.md"

_ANCHOR = re.compile(r'^<a id="([a-z0-9-]+)"></a>\n', re.MULTILINE)


def page() -> str:
    """The whole troubleshooting page, as installed."""
    return resources.files("krm_fn").joinpath(PAGE).read_text(encoding="utf-8")


#: A Markdown link to another page of the package: ``[reliability.md](reliability.md#anchor)``.
_SIBLING_LINK = re.compile(r"\]\(([a-z0-9-]+\.md)(#[a-z0-9-]*)?\)")


def _installed_links(text: str) -> str:
    """Links to pages shipped beside this one, pointed at where they are installed, so a wheel user can open them."""
    package = resources.files("krm_fn")

    def installed(match: re.Match[str]) -> str:
        target = package.joinpath(match.group(1))
        return f"]({target}{match.group(2) or ''})" if target.is_file() else match.group(0)

    return _SIBLING_LINK.sub(installed, text)


def sections(text: str | None = None) -> dict[str, str]:
    """Topic -> its section (from its ``## heading`` to the next anchor), in page order."""
    text = _installed_links(page()) if text is None else text
    found = list(_ANCHOR.finditer(text))
    out = {}
    for here, after in zip(found, [*found[1:], None], strict=True):
        end = after.start() if after else len(text)
        out[here.group(1)] = text[here.end() : end].strip() + "\n"
    return out


def listing(found: dict[str, str]) -> str:
    """One line per topic: its name and the heading's text after it."""
    lines = ["topics (seq-fn explain TOPIC):"]
    for topic, text in found.items():
        heading = text.splitlines()[0].removeprefix("## ")
        lines.append(f"  {topic:<22} {heading.removeprefix(f'{topic}: ')}")
    return "\n".join(lines) + "\n"
