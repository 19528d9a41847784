"""YAML scalars: what a plain scalar means, and how to write a value so every reader gets it back.

Kubernetes tooling reads YAML with YAML 1.1 rules (kubectl, kustomize: ``on`` is true, ``0123`` is octal) or 1.2
rules (kpt's kyaml, ruamel.yaml). A string that either would retype is written quoted; a plain scalar that the
two would read differently is not guessed at here (:func:`resolve` raises :class:`Retyped`).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import yaml as pyyaml


class Retyped(ValueError):
    """A plain scalar that YAML 1.1 and 1.2 readers take for different values (``yes``, ``0123``, a date)."""


_NULL = frozenset(("", "~", "null", "Null", "NULL"))
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
#: YAML 1.2 forms beyond plain decimal numbers, with the underscores and octal that ruamel.yaml also accepts.
_OTHER_12 = re.compile(
    r"[-+]?(?:[0-9_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"
    r"|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF))\Z|\.(?:nan|NaN|NAN)\Z"
)
#: go-yaml v2 (under sigs.k8s.io/yaml) also reads these single letters as booleans.
_YAML11_LETTERS = frozenset("yYnN")
#: First characters of everything the YAML 1.1 and 1.2 core schemas type as other than a string.
_TYPED_START = frozenset("0123456789-+.~nNtTfFyYoO<=")
_FLOW_INDICATORS = frozenset(",[]{}?")  # ? too: PyYAML fails on [a?b]
#: Characters that cannot start a plain scalar (nor can ``?`` and ``:``, for PyYAML; ``-`` can, before a non-space).
_INDICATORS = frozenset(",[]{}#&*!|>'\"%@`")


def resolve(text: str) -> Any:
    """The value of a plain scalar under YAML 1.2's core schema; raises :class:`Retyped` where 1.1 disagrees."""
    if text in _NULL:
        return None
    if text[0] not in _TYPED_START:
        return text
    value: Any = _BOOL.get(text, text)
    if _INT.match(text):
        value = int(text)
    elif _FLOAT.match(text) and _yaml11_tag(text) == "tag:yaml.org,2002:float":  # both readers agree
        value = float(text)
    elif value is text and retyped(text):
        raise Retyped(text)
    return value


@functools.lru_cache(maxsize=8192)
def retyped(text: str) -> bool:
    """Whether a YAML 1.1 or 1.2 reader would read the plain scalar ``text`` as something other than a string.

    ``on``, ``yes``, ``1e3``, ``0123``, ``null``, ``2001-12-14``, ``~``, ``=`` and ``<<`` all would be by one reader
    or another; kustomize once turned an unquoted ``1e3`` into ``1000``.
    """
    if text in _NULL or text in _BOOL or text in _YAML11_LETTERS or _OTHER_12.match(text) or _FLOAT.match(text):
        return True
    return _yaml11_tag(text) != "tag:yaml.org,2002:str"


def _yaml11_tag(text: str) -> str:
    """The tag PyYAML's resolver (the YAML 1.1 reference that kubectl's parser follows) gives a plain scalar."""
    for tag, regexp in pyyaml.resolver.Resolver.yaml_implicit_resolvers.get(text[:1], []):
        if regexp.match(text):
            return str(tag)
    return "tag:yaml.org,2002:str"


def plain_ok(text: str, *, flow: bool = False) -> bool:
    """Whether ``text`` can be written as a plain scalar and read back as this same string."""
    if not text or not text.isprintable() or text != text.strip(" ") or retyped(text):
        return False
    first = text[0]
    if first in _INDICATORS or first in "?:" or (first == "-" and (len(text) == 1 or text[1] == " ")):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return not (flow and any(ch in _FLOW_INDICATORS for ch in text))


def format_scalar(value: Any, *, flow: bool = False) -> str:
    """One scalar as YAML text: plain where safe, else single-quoted, else double-quoted (JSON escapes)."""
    if value is None or isinstance(value, bool | int):
        return _KEYWORDS.get(value, str(value)) if isinstance(value, bool) or value is None else str(value)
    if isinstance(value, float):
        written = _SPECIAL_FLOATS.get(str(value), repr(value))
        mantissa, e, exponent = written.partition("e")
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else written  # 1e+20 is a string to 1.1
    text = str(value)
    if plain_ok(text, flow=flow):
        return text
    if text.isprintable() and "'" not in text:  # "container 'a'" reads better with double quotes
        return "'" + text + "'"
    quoted = json.dumps(text, ensure_ascii=False)  # escapes line breaks, tabs and C0 controls
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in quoted)


_KEYWORDS: dict[Any, str] = {None: "null", True: "true", False: "false"}
_SPECIAL_FLOATS = {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
