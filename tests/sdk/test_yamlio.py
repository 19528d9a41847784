import pytest

from krm_fn.sdk import yamlio
from krm_fn.sdk.errors import InputError


@pytest.mark.parametrize(
    "text",
    ["on", "yes", "No", "1e3", "0123", "0x1F", "null", "~", "2001-12-14", "1.29", "true", "", "<<", "=", "12:30"],
)
def test_strings_other_readers_would_retype_are_quoted(text):
    out = yamlio.dump({"k": text})
    assert out != f"k: {text}\n"
    assert yamlio.load_all(out)[0]["k"] == text
    import yaml  # YAML 1.1, as kubectl reads it

    assert yaml.safe_load(out)["k"] == text


@pytest.mark.parametrize("text", ["busybox:1.36", "a,b", "Always", "init-containers", "extract"])
def test_plain_strings_stay_plain(text):
    assert yamlio.dump({"k": text}) == f"k: {text}\n"


def test_round_trip_keeps_comments_quotes_and_flow_style():
    text = "a: 'x'  # why\nb: [1, {c: \"d\"}]\nlist:\n- one\n"
    assert yamlio.dump(yamlio.load_all(text)[0]) == text


def test_anchors_and_aliases_are_never_written():
    loaded = yamlio.load_all("a: &x {k: v}\nb: *x\nc:\n  <<: *x\n  z: 1\n")[0]
    out = yamlio.dump(loaded)
    assert "&" not in out and "*" not in out and "<<" not in out
    assert yamlio.load_all(out)[0] == {"a": {"k": "v"}, "b": {"k": "v"}, "c": {"z": 1, "k": "v"}}


def test_split_documents_gives_back_every_byte():
    text = "# lead\n---\na: 1\n--- # two\nb: |\n  ---not a marker\n...\n---\nc: 3"
    parts = yamlio.split_documents(text)
    assert "".join(parts) == text
    assert len(parts) == 4
    assert yamlio.document_header(parts[2]) == "--- # two\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a:\n- x\n", "compact"),
        ("a:\n  - x\n", "wide"),
        ("a: 1\n", "compact"),
    ],
)
def test_sequence_indentation_is_detected(text, expected):
    assert yamlio.detect_seq_indent(text) == expected


def test_wide_indentation_is_written_back():
    text = "a:\n  - x\n  - b: 1\n    z: 2\n"
    assert yamlio.dump(yamlio.load_all(text)[0], seq_indent="wide") == text


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: [1,\n", "line 2"),
        ("a: 1\na: 2\n", "line 2"),
        ("\tkey: v\n", "line 1"),
    ],
)
def test_syntax_errors_say_where(text, where):
    with pytest.raises(InputError, match=where):
        yamlio.load_all(text)


def test_bytes_that_are_not_utf8_are_refused_with_their_offset():
    with pytest.raises(InputError, match="byte 0xff at offset 3"):
        yamlio.decode(b"a: \xff")


def test_a_bom_is_accepted():
    assert yamlio.decode("\ufeffa: 1".encode()) == "a: 1"


def test_sourced_values_are_written_like_plain_ones():
    """A processor may put parts of a loaded item into a new one; the plain writer takes them as dicts and lists."""
    from krm_fn.sdk import sourced

    value = sourced.construct(sourced.compose('a: [1, {b: c}]\nd: "on"\n'))
    assert yamlio.dump(value) == "a:\n- 1\n- b: c\nd: 'on'\n"


def test_tabs_libyaml_reads_are_read_by_the_round_trip_loader_too():
    """``{mountPath: /a<TAB>b}`` and ``kind: A<TAB># note`` are read by libyaml and kubectl (found by the byte-mutation
    property test); the round-trip loader reads them alike, and a tab inside a quoted or block scalar stays."""
    text = 'a: {path: /a\tb}\nkind: A\t# note\nq: "x\ty"\nblock: |\n  z\tq\n'
    assert yamlio.load_all(text) == [{"a": {"path": "/a\tb"}, "kind": "A", "q": "x\ty", "block": "z\tq\n"}]
