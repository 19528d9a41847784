"""YAML scalars as Kubernetes reads them, and how to write a value so that every reader gets it back.

The reference is what reads a function's output in the end: Kubernetes (kubectl, client-go, Argo CD and Flux, all
through ``sigs.k8s.io/yaml``, whose fork of go-yaml v2 resolves plain scalars, then converts the document to JSON).
Neither YAML 1.2's core schema (ruamel.yaml) nor PyYAML's YAML 1.1 is that reader: ``0400`` is octal 256 to
Kubernetes (400 to ruamel.yaml), ``0o17`` is 15 (a string to PyYAML), ``1e3`` is 1000 (a string to PyYAML), ``y``
is true, ``1:20`` is a string (80 to PyYAML), and timestamps stay strings. :func:`resolve` is go-yaml v2's
``resolve()`` as ``sigs.k8s.io/yaml`` applies it; :func:`key` is the string a plain key becomes in JSON.

A writer never relies on one reader's rules: :func:`format_scalar` writes numbers in decimal and quotes every
string that any of the readers a manifest meets (go-yaml v2 and v3, PyYAML, ruamel.yaml) would type, so that
kubectl, kpt, kustomize and Python tools all read back the same value.
"""

from __future__ import annotations

import functools
import json
import math
import re
import struct
from typing import Any

import yaml as pyyaml

#: go-yaml v2's table of plain scalars with a fixed meaning (``resolveMapList``): YAML 1.1 booleans including the
#: single letters, nulls, and the special floats.
_FIXED: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
#: go-yaml v2's ``resolveTable``: only a plain scalar starting with one of these can be other than a string.
_NUMBER_START = frozenset("+-0123456789")
_FIXED_START = frozenset("yYnNtTfFoO~")
#: go-yaml v2's ``yamlStyleFloat``, matched after underscores are removed.
_YAML_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
#: Go's float syntax for a literal that starts with a dot (``strconv.ParseFloat``: underscores between digits).
_DOT_FLOAT = re.compile(r"\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?\Z")
_INT64_MAX = 2**63 - 1
_UINT64_MAX = 2**64 - 1


class Refused(ValueError):
    """A scalar Kubernetes' reader refuses (a ``.inf`` or ``.nan`` value: JSON has no such number)."""


def resolve(text: str) -> Any:  # noqa: PLR0911 (go-yaml's resolve() is one switch)
    """The value of the plain scalar ``text`` as Kubernetes reads it: str, bool, int, float or None.

    Integers beyond int64 are floats, as they are once ``sigs.k8s.io/yaml`` has made the document JSON. ``.inf``
    and ``.nan`` resolve to floats here; :func:`value` refuses them where they stand as values.
    """
    if not text:
        return None
    first = text[0]
    if first in _FIXED_START or first == ".":
        if text in _FIXED:
            return _FIXED[text]
        if first == "." and _DOT_FLOAT.match(text):
            return _finite(float(text), text)
        return text
    if first not in _NUMBER_START:
        return text
    if text in _FIXED:  # +.inf, -.inf
        return _FIXED[text]
    plain = text.replace("_", "")
    number = _parse_int(plain)
    if number is not None:
        return number if -_INT64_MAX - 1 <= number <= _INT64_MAX else float(number)
    if _YAML_FLOAT.match(plain):
        return _finite(float(plain), text)
    return text


def _finite(number: float, text: str) -> float | str:
    """Go's ParseFloat fails on overflow (``1e400``): go-yaml then keeps the text as a string."""
    return number if math.isfinite(number) else text


def _parse_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 0, 64)``, then ``ParseUint``; None where both fail.

    An optional sign, then ``0x``/``0o``/``0b``, a leading ``0`` (octal) or decimal digits; None when that is no
    integer or out of the 64-bit range.
    """
    negative = text[:1] == "-"
    digits = text[1:] if text[:1] in "+-" else text
    if not digits:
        return None
    base, body = 10, digits
    if digits[0] == "0":
        prefix = digits[1:2].lower()
        if len(digits) >= 3 and prefix in ("b", "o", "x"):
            base, body = {"b": 2, "o": 8, "x": 16}[prefix], digits[2:]
        else:
            base, body = 8, digits[1:]
    allowed = _DIGITS[base]
    if any(ch not in allowed for ch in body):
        return None
    number = int(body, base) if body else 0
    if negative:
        return -number if number <= _INT64_MAX + 1 else None
    if text[0] == "+" and number > _INT64_MAX:  # ParseUint takes no sign
        return None
    return number if number <= _UINT64_MAX else None


_DIGITS = {2: frozenset("01"), 8: frozenset("01234567"), 10: frozenset("0123456789"),
           16: frozenset("0123456789abcdefABCDEF")}  # fmt: skip


def value(text: str) -> Any:
    """:func:`resolve` for a scalar that stands as a value; :class:`Refused` for what kubectl refuses there."""
    resolved = resolve(text)
    if isinstance(resolved, float) and not math.isfinite(resolved):
        raise Refused(f"the plain scalar {text!r} is not a number JSON can hold: Kubernetes refuses it (quote it)")
    return resolved


#: go-yaml v2's ``parseTimestamp`` formats (``2006-1-2``, then a time after ``T``, ``t`` or a space).
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})?)?\Z"
)


def tagged(tag: str, text: str) -> Any:
    """The value of a scalar with an explicit core tag (``!!int 0400``, ``!!str y``) as Kubernetes reads it.

    go-yaml v2 reads the text as a plain scalar whatever its quoting (``!!int "0x1F"`` is 31, ``!!int 0400`` is 256,
    not ruamel.yaml's 400) and keeps the value when its type is the tag's (an integer is a float's too); anything
    else is :class:`Refused` (``!!bool 1``, ``!!null x``, ``!!int 1.5``), as kubectl refuses it. ``!!str`` is the
    text; ``!!timestamp`` the text of a date. ``tag`` is the tag's suffix (``int``).
    """
    if tag == "str":
        return text
    if tag == "timestamp":
        if _TIMESTAMP.match(text):
            return text
        raise Refused(f"the scalar !!timestamp {text!r} is no timestamp: Kubernetes refuses it")
    resolved = resolve(text)
    if resolved is None or isinstance(resolved, bool | str):
        kind = {type(None): "null", bool: "bool", str: "str"}[type(resolved)]
    else:  # an integer beyond int64 is a float here, but an integer to go-yaml (up to uint64)
        kind = "int" if isinstance(resolved, int) or _parse_int(text.replace("_", "")) is not None else "float"
    if kind != tag and (tag, kind) != ("float", "int"):
        raise Refused(f"the scalar !!{tag} {text!r} is no {tag} to Kubernetes ({kind}): it refuses it")
    if isinstance(resolved, float) and not math.isfinite(resolved):
        raise Refused(f"the scalar {text!r} is not a number JSON can hold: Kubernetes refuses it")
    return float(resolved) if tag == "float" else resolved


@functools.lru_cache(maxsize=65536)
def key(text: str) -> str:
    """The string a plain scalar key becomes in Kubernetes' JSON (``y`` -> ``"true"``, ``0400`` -> ``"256"``).

    ``sigs.k8s.io/yaml`` converts a boolean, integer or float key to text; it refuses a null key and an unsigned
    one beyond int64 (:class:`Refused`). Memoised: it is asked of every key of the input.
    """
    resolved = resolve(text)
    if isinstance(resolved, float) and _parse_int(text.replace("_", "")) is not None:  # uint64 to go-yaml
        raise Refused(f"the key {text!r} is an unsigned 64-bit number: Kubernetes refuses it as a key (quote it)")
    return key_text(resolved, text)


def key_text(resolved: Any, text: str) -> str:
    """The string Kubernetes' JSON makes of a key whose value is ``resolved`` (written ``text``); see :func:`key`."""
    if isinstance(resolved, str):
        return resolved
    if isinstance(resolved, bool):
        return "true" if resolved else "false"
    if isinstance(resolved, int):
        return str(int(resolved))
    if resolved is None:
        raise Refused(f"the key {text!r} reads as null: Kubernetes refuses a null key (quote it)")
    return _float32_text(float(resolved))


def _float32_text(number: float) -> str:
    """Go's ``strconv.FormatFloat(f, 'g', -1, 32)``, with go-yaml's ``.inf``/``.nan`` spellings: a float key's text."""
    if math.isnan(number):
        return ".nan"
    if math.isinf(number):
        return ".inf" if number > 0 else "-.inf"
    single = struct.unpack("f", struct.pack("f", number))[0]
    if single == 0:
        return "-0" if math.copysign(1, single) < 0 else "0"
    for precision in range(1, 10):  # the shortest digits that read back as the same float32
        digits = f"{single:.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(digits)))[0] == single:
            break
    mantissa, exponent_text = digits.split("e")
    exponent = int(exponent_text)
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    if exponent < -4 or exponent >= 6:  # Go's shortest 'g' switches to an exponent at these
        sign = "-" if exponent < 0 else "+"
        return f"{mantissa}e{sign}{abs(exponent):02d}"
    negative = mantissa.startswith("-")
    figures = mantissa.lstrip("-").replace(".", "")
    point = exponent + 1
    if point <= 0:
        text = "0." + "0" * -point + figures
    elif point >= len(figures):
        text = figures + "0" * (point - len(figures))
    else:
        text = figures[:point] + "." + figures[point:]
    return ("-" if negative else "") + text


#: YAML 1.2 core forms (ruamel.yaml) and YAML 1.1 forms (PyYAML) that type a plain scalar, beyond go-yaml v2's.
_OTHER_12 = re.compile(
    r"[-+]?(?:[0-9_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"
    r"|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF))\Z|\.(?:nan|NaN|NAN)\Z"
)
_FLOW_INDICATORS = frozenset(",[]{}?")  # ? too: PyYAML fails on [a?b]
#: Characters that cannot start a plain scalar (nor can ``?`` and ``:``, for PyYAML; ``-`` can, before a non-space).
_INDICATORS = frozenset(",[]{}#&*!|>'\"%@`")


@functools.lru_cache(maxsize=8192)
def retyped(text: str) -> bool:
    """Whether any reader a manifest meets would read the plain scalar ``text`` as other than this string.

    Kubernetes (go-yaml v2: ``y``, ``0o17``, ``1e3``), kpt and kustomize (go-yaml v3), PyYAML (YAML 1.1: ``1:20``,
    ``2001-12-14``, ``=``, ``<<``) and ruamel.yaml (YAML 1.2). A string any of them retypes is written quoted.
    """
    return resolve(text) != text or _OTHER_12.match(text) is not None or _yaml11_tag(text) != "tag:yaml.org,2002:str"


def _yaml11_tag(text: str) -> str:
    """The tag PyYAML's resolver (YAML 1.1) gives a plain scalar."""
    for tag, regexp in pyyaml.resolver.Resolver.yaml_implicit_resolvers.get(text[:1], []):
        if regexp.match(text):
            return str(tag)
    return "tag:yaml.org,2002:str"


def plain_ok(text: str, *, flow: bool = False) -> bool:
    """Whether ``text`` can be written as a plain scalar and read back as this same string by every reader."""
    if not text or not text.isprintable() or text != text.strip(" ") or retyped(text):
        return False
    first = text[0]
    if first in _INDICATORS or first in "?:" or (first == "-" and (len(text) == 1 or text[1] == " ")):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return not (flow and any(ch in _FLOW_INDICATORS for ch in text))


def format_scalar(scalar: Any, *, flow: bool = False) -> str:
    """One scalar as YAML text: plain where safe, else single-quoted, else double-quoted (JSON escapes).

    Integers in decimal and floats with a point, which every reader reads as the same number; ``True`` and
    ``None`` as ``true`` and ``null``, which every reader agrees on.
    """
    if scalar is None or isinstance(scalar, bool):
        return _KEYWORDS[scalar]
    if isinstance(scalar, int):
        return str(int(scalar))
    if isinstance(scalar, float):
        written = _SPECIAL_FLOATS.get(str(scalar), repr(float(scalar)))
        mantissa, e, exponent = written.partition("e")
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else written  # 1e+20 is a string to 1.1
    text = str(scalar)
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
