"""Scalars: read as Kubernetes reads them (kubectl is the oracle), and every value seq-fn writes reads back as
itself under every reader a manifest meets (kubectl, PyYAML's YAML 1.1, ruamel.yaml's YAML 1.2)."""

from __future__ import annotations

import math
import random

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from krm_fn.sdk import scalars
from tests.support import kubectl_reader

RETYPED = ["on", "Off", "yes", "NO", "y", "N", "true", "False", "null", "~", "", "1", "-2", "0123", "0o17", "0x1F",
           "1_000", "1e3", "1.5", ".5", ".inf", "-.Inf", ".nan", "2001-12-14", "12:30:00", "=", "<<"]  # fmt: skip
STRINGS = ["nginx", "--index", "-x", "a:b", "http://x:80/y", "$(DB_URL)", "value-1", "1.2.3", "v1", "it's", "é", "e3"]


def _yaml12() -> YAML:
    return YAML(typ="safe", pure=True)


@pytest.mark.parametrize("text", RETYPED)
def test_strings_some_reader_would_retype_are_flagged_and_quoted(text: str) -> None:
    assert scalars.retyped(text)
    assert scalars.format_scalar(text)[0] in "'\""


@pytest.mark.parametrize("text", STRINGS)
def test_ordinary_strings_are_not_flagged(text: str) -> None:
    assert not scalars.retyped(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("-3", -3),
        ("0", 0),
        ("1.5", 1.5),
        ("true", True),
        ("False", False),
        ("null", None),
        ("", None),
        ("nginx", "nginx"),
    ],
)
def test_plain_scalars_every_reader_agrees_on(text: str, value: object) -> None:
    assert scalars.resolve(text) == value
    assert type(scalars.resolve(text)) is type(value)


#: Plain scalars as kubectl reads them (checked by hand with ``kubectl label --local -o json``, kubectl 1.32, and
#: below against kubectl itself): the note's table of how Kubernetes, PyYAML and ruamel.yaml differ.
AS_KUBERNETES_READS = [
    ("0400", 256), ("+0400", 256), ("-012", -10), ("0o17", 15), ("0800", 800.0), ("1e3", 1000.0), ("1.5e3", 1500.0),
    ("y", True), ("Y", True), ("n", False), ("yes", True), ("on", True), ("off", False), ("1:20", "1:20"),
    ("2001-12-14", "2001-12-14"), ("2001-12-14T21:59:43Z", "2001-12-14T21:59:43Z"), ("0x1F", 31), ("0b101", 5),
    ("1_000", 1000), ("+12", 12), ("01.5", 1.5), ("1.10", 1.1), ("~", None), ("", None), (".5_0", 0.5),
    ("0o", "0o"), ("nO", "nO"), ("1e400", "1e400"), ("18446744073709551615", 18446744073709551615.0),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), AS_KUBERNETES_READS)
def test_plain_scalars_read_as_kubernetes_reads_them(text: str, value: object) -> None:
    assert scalars.resolve(text) == value
    assert type(scalars.resolve(text)) is type(value)


def test_kubectl_reads_the_table_as_written_here() -> None:
    """The table above is kubectl's reading, not ours: kubectl itself is asked."""
    lines = "".join(f"  k{i}: {text}\n" for i, (text, _) in enumerate(AS_KUBERNETES_READS))
    read = kubectl_reader.read(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\nx:\n{lines}")[0]["x"]
    for i, (text, value) in enumerate(AS_KUBERNETES_READS):
        got = read.get(f"k{i}")
        assert kubectl_reader.normal(got) == kubectl_reader.normal(value), text
        assert isinstance(got, str) == isinstance(value, str), text


def _random_plain(rnd: random.Random) -> str:
    """A short plain scalar made of the characters that decide how a scalar is typed."""
    while True:
        text = "".join(rnd.choice("0123456789+-._eExXoObB_abcfyYnNtTlLsu:~") for _ in range(rnd.randint(1, 8)))
        if not text.startswith(("-", ":", "?")) and not text.endswith(":") and ": " not in text:
            return text


def test_resolve_agrees_with_kubectl_on_thousands_of_generated_scalars() -> None:
    """Values and keys: every generated plain scalar, as kubectl reads it, is what :func:`scalars.resolve` and
    :func:`scalars.key` say (one kubectl call for all of them)."""
    rnd = random.Random(20)
    texts = list(
        dict.fromkeys([text for text, _ in AS_KUBERNETES_READS if text] + [_random_plain(rnd) for _ in range(3000)])
    )
    texts = [
        t for t in texts if scalars.resolve(t) not in (math.inf, -math.inf) and scalars.resolve(t) == scalars.resolve(t)
    ]
    values = "".join(f"  k{i}: {text}\n" for i, text in enumerate(texts))
    keyed = [t for t in texts if scalars.resolve(t) is not None and not _uint64(t)]
    keys = "".join(
        f"  {text}: {i}\n"
        for i, text in enumerate(keyed)
        if sum(scalars.key(t) == scalars.key(text) for t in keyed) == 1
    )
    read = kubectl_reader.read(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\nx:\n{values}keys:\n{keys}")[0]
    for i, text in enumerate(texts):
        got = read["x"][f"k{i}"]
        assert kubectl_reader.normal(got) == kubectl_reader.normal(scalars.value(text)), text
        assert isinstance(got, str) == isinstance(scalars.value(text), str), text
    assert {scalars.key(t): i for i, t in enumerate(keyed) if scalars.key(t) in read["keys"]} == read["keys"]
    assert len(read["keys"]) > 1000


def _uint64(text: str) -> bool:
    value = scalars.resolve(text)
    return isinstance(value, float) and value >= 2**63 and "." not in text and "e" not in text.lower()


@pytest.mark.parametrize("text", [".inf", "-.Inf", ".NaN", "+.inf"])
def test_values_kubernetes_refuses_are_refused(text: str) -> None:
    with pytest.raises(scalars.Refused):
        scalars.value(text)
    with pytest.raises(kubectl_reader.Refused, match="unsupported value"):
        kubectl_reader.read(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\nx: {text}\n")


def test_a_null_key_is_refused_as_kubectl_refuses_it() -> None:
    with pytest.raises(scalars.Refused, match="null key"):
        scalars.key("~")
    with pytest.raises(kubectl_reader.Refused, match="unsupported map key"):
        kubectl_reader.read("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nx: {~: 1}\n")


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="a0:?/ ,-#'\"\\"), st.sampled_from(RETYPED + STRINGS)), st.booleans())
def test_any_string_reads_back_the_same_in_block_and_flow_context(text: str, flow: bool) -> None:
    written = scalars.format_scalar(text, flow=flow)
    document = f"key: [{written}]\n" if flow else f"key: {written}\n"
    expected = {"key": [text] if flow else text}
    assert pyyaml.safe_load(document) == expected, document  # YAML 1.1, as kubectl reads
    assert _yaml12().load(document) == expected, document  # YAML 1.2, as kpt reads


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.integers(),
        st.booleans(),
        st.none(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([1e20, 1e-7, 5e-324, -0.0, 1.5e300]),
    )
)
def test_numbers_booleans_and_null_read_back_as_themselves(value: object) -> None:
    written = scalars.format_scalar(value)
    assert pyyaml.safe_load(f"key: {written}\n") == {"key": value}
    assert _yaml12().load(f"key: {written}\n") == {"key": value}


def test_every_written_value_reads_back_under_kubectl() -> None:
    """Strings some reader would retype, random strings, numbers and keywords, written by :func:`format_scalar`
    in block and flow context: kubectl reads each back as the value written (one call for all)."""
    rnd = random.Random(7)
    alphabet = "a0:?/ ,-#'\"\\\t1eE.+_xoybn~@%&*!|>[]{}é"
    strings = RETYPED + STRINGS + [_random_plain(rnd) for _ in range(1000)]
    strings += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12))) for _ in range(1000)]
    numbers = [0, -1, 2**40, 1.5, -0.25, 1e20, 1e-7, 123456.789, 18446744073709551615.0, True, False, None]
    values = [*strings, *numbers]
    block = "".join(f"  k{i}: {scalars.format_scalar(v)}\n" for i, v in enumerate(values))
    flow = ", ".join(scalars.format_scalar(v, flow=True) for v in values)
    read = kubectl_reader.read(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\nx:\n{block}flow: [{flow}]\n")[
        0
    ]
    for i, value in enumerate(values):
        assert kubectl_reader.normal(read["x"][f"k{i}"]) == kubectl_reader.normal(value), repr(value)
        assert kubectl_reader.normal(read["flow"][i]) == kubectl_reader.normal(value), repr(value)


TAGGED = [("int", "0400"), ("float", "010"), ("int", "0x1F"), ("int", '"0o17"'), ("bool", "y"), ("bool", '"on"'),
          ("null", '""'), ("null", "~"), ("float", "1"), ("str", "0400"), ("str", "yes"), ("timestamp", "2001-12-14"),
          ("int", "1_000"), ("int", "9223372036854775808"), ("float", "1e3")]  # fmt: skip


def test_explicitly_tagged_scalars_read_as_kubectl_reads_them() -> None:
    """``!!int 0400`` is 256 to kubectl (ruamel.yaml: 400), ``!!str 0400`` a string: kubectl is asked."""
    lines = "".join(f"  k{i}: !!{tag} {text}\n" for i, (tag, text) in enumerate(TAGGED))
    read = kubectl_reader.read(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\nx:\n{lines}")[0]["x"]
    for i, (tag, text) in enumerate(TAGGED):
        mine = scalars.tagged(tag, text.strip('"'))
        assert kubectl_reader.normal(read[f"k{i}"]) == kubectl_reader.normal(mine), (tag, text)
        assert isinstance(read[f"k{i}"], str) == isinstance(mine, str), (tag, text)


REFUSED_TAGGED = [("bool", "1"), ("null", "x"), ("int", "1.5"), ("float", "1e400"), ("int", "99999999999999999999"),
                  ("float", ".inf"), ("timestamp", "x")]  # fmt: skip


@pytest.mark.parametrize(("tag", "text"), REFUSED_TAGGED)
def test_explicitly_tagged_scalars_kubectl_refuses_are_refused(tag: str, text: str) -> None:
    with pytest.raises(scalars.Refused):
        scalars.tagged(tag, text)
    with pytest.raises(kubectl_reader.Refused):
        kubectl_reader.read(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\nx: !!{tag} {text}\n")
