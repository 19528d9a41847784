"""Scalars: every string seq-fn writes reads back as that same string, under YAML 1.1 and YAML 1.2 readers."""

from __future__ import annotations

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from krm_fn.sdk import scalars

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
def test_plain_scalars_resolve_as_both_readers_agree(text: str, value: object) -> None:
    assert scalars.resolve(text) == value
    assert type(scalars.resolve(text)) is type(value)


@pytest.mark.parametrize(
    ("text", "yaml12", "yaml11"),
    [("yes", "yes", True), ("on", "on", True), ("0123", 123, 83), ("08080", 8080, "08080"), ("1e3", 1000.0, "1e3"),
     ("0o17", 15, "0o17"), ("12:30:00", "12:30:00", 45000)],
)  # fmt: skip
def test_plain_scalars_the_readers_disagree_on_read_as_each_version_reads_them(text, yaml12, yaml11) -> None:
    assert scalars.ambiguous(text)
    assert scalars.resolve(text) == yaml12 and type(scalars.resolve(text)) is type(yaml12)
    assert scalars.resolve(text, yaml11=True) == yaml11 and type(scalars.resolve(text, yaml11=True)) is type(yaml11)


@pytest.mark.parametrize("text", ["2001-12-14", "1_000", ".inf", ".nan", "nginx", "12", "true", "null", "1.5"])
def test_plain_scalars_both_versions_read_alike_are_not_ambiguous(text: str) -> None:
    assert not scalars.ambiguous(text)


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
