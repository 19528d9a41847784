"""YAML scalars: what a plain scalar means, and how to write a value so every reader gets it back.

Kubernetes tooling reads YAML with YAML 1.1 rules (kubectl, kustomize: ``on`` is true, ``0123`` is octal) or 1.2
rules (kpt's kyaml, ruamel.yaml). A string that either would retype is written quoted. A plain scalar that the
two read differently (``yes``, ``0123``, ``1e3``: :func:`ambiguous`) is read as YAML 1.2 reads it (ruamel.yaml, the
round-trip loader), or as 1.1 reads it under a ``%YAML 1.1`` directive; a writer never leaves one plain in what
it writes (:func:`format_scalar` writes every value so that both readers agree).
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import re
from typing import Any

import yaml as pyyaml

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


def resolve(text: str, *, yaml11: bool = False) -> Any:
    """The value of a plain scalar: as YAML 1.2 (ruamel.yaml) reads it, or as YAML 1.1 does with ``yaml11``."""
    if text in _NULL:
        return None
    value: Any = text
    if text[0] not in _TYPED_START:
        pass
    elif text in _BOOL:
        value = _BOOL[text]
    elif _INT.match(text):
        value = int(text)
    elif _FLOAT.match(text) and _yaml11_tag(text) == "tag:yaml.org,2002:float":  # both readers agree
        value = float(text)
    elif retyped(text):
        value = _read_both(text)[1 if yaml11 else 0]
    return value


@functools.lru_cache(maxsize=65536)
def is_string(text: str, yaml11: bool = False) -> bool:
    """Whether the plain scalar ``text`` reads as a string (memoised: it is asked of every key of the input)."""
    return isinstance(resolve(text, yaml11=yaml11), str)


def ambiguous(text: str) -> bool:
    """Whether YAML 1.1 and 1.2 readers take the plain scalar ``text`` for different values (``yes``, ``0123``)."""
    if text in _NULL or text[0] not in _TYPED_START or text in _BOOL or _INT.match(text) or not retyped(text):
        return False
    if text in _YAML11_LETTERS:  # a string to PyYAML and ruamel.yaml, a boolean to go-yaml v2 (kubectl)
        return True
    v12, v11 = _read_both(text)
    if isinstance(v12, float) and isinstance(v11, float) and math.isnan(v12) and math.isnan(v11):  # .nan
        return False
    return type(v12) is not type(v11) or v12 != v11


@functools.lru_cache(maxsize=4096)
def _read_both(text: str) -> tuple[Any, Any]:
    """The values YAML 1.2 (ruamel.yaml, as the round-trip loader reads) and YAML 1.1 (PyYAML) give ``text``.

    Only for the rare plain scalars :func:`retyped` flags; ruamel.yaml is imported here, on first need.
    """
    from ruamel.yaml import YAML

    document = "v: " + text + "\n"
    try:
        v12 = _plain(YAML(typ="rt", pure=True).load(document)["v"])
    except Exception:  # not a scalar on its own line after all: the readers take it as the text
        v12 = text
    try:
        v11 = pyyaml.load(document, Loader=pyyaml.SafeLoader)["v"]
    except Exception:
        v11 = text
    return v12, v11


def _plain(value: Any) -> Any:
    """ruamel.yaml's scalar types (``ScalarInt``, ``ScalarFloat``) as Python's own; anything else is text."""
    if isinstance(value, bool | datetime.date) or value is None:
        return value
    for base in (str, int, float):
        if isinstance(value, base):
            return base(value)
    raise TypeError(type(value).__name__)  # a value tag (``=``) or a merge key: both are text here


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
    if isinstance(value, datetime.date):  # a timestamp both readers type as one (``2001-12-14``)
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
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
