import pytest

from krm_fn.sdk import fnconfig
from krm_fn.sdk.errors import ConfigError

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "mode": {"type": "string", "enum": ["a", "b"]},
        "names": {"type": "array", "items": {"$ref": "#/$defs/name"}},
        "enabled": {"type": "boolean"},
        "count": {"type": "integer"},
        "rules": {"type": "array", "items": {"type": "object"}},
        "nested": {"type": "object", "additionalProperties": False, "properties": {"image": {"type": "string"}}},
    },
    "$defs": {"name": {"type": "string"}},
}
KIND = fnconfig.ConfigKind(api_version="example.dev/v1", kind="Example", schema=SCHEMA)


def configmap(**data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}, "data": data}


@pytest.mark.parametrize("empty", [None, {}, configmap(), {**configmap(), "data": None}], ids=repr)
def test_no_config_and_kpts_empty_configmap_mean_defaults(empty):
    assert fnconfig.load(empty, KIND) == {}


def test_configmap_strings_are_converted_by_the_schema():
    fields = fnconfig.load(
        configmap(
            mode="a", names="x, y,,z", enabled="true", count="3", rules="[{kind: Job}]", **{"nested.image": "img:1"}
        ),
        KIND,
    )
    assert fields == {
        "mode": "a",
        "names": ["x", "y", "z"],
        "enabled": True,
        "count": 3,
        "rules": [{"kind": "Job"}],
        "nested": {"image": "img:1"},
    }


def test_the_typed_kind_is_read_without_its_envelope():
    typed = {"apiVersion": "example.dev/v1", "kind": "Example", "metadata": {"name": "x"}, "mode": "b"}
    assert fnconfig.load(typed, KIND) == {"mode": "b"}


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        pytest.param(configmap(mode="c"), "data.mode", "must be one of a, b (got 'c')", id="enum"),
        pytest.param(configmap(bogus="1"), "data.bogus", "unknown field", id="unknown-key"),
        pytest.param(configmap(count=3), "data.count", "ConfigMap values must be strings", id="non-string"),
        pytest.param(configmap(enabled="maybe"), "data.enabled", "must be of type boolean", id="bad-bool"),
        pytest.param(configmap(rules="[unclosed"), "data.rules", "is not YAML", id="bad-yaml"),
        pytest.param(
            {"apiVersion": "example.dev/v1", "kind": "Example", "names": "x"},
            "names",
            "must be of type array",
            id="typed-wrong-type",
        ),
        pytest.param(
            {"apiVersion": "example.dev/v1", "kind": "Example", "nested": {"imag": "x"}},
            "nested.imag",
            "unknown field; known fields here: image",
            id="typed-nested-unknown",
        ),
        pytest.param(
            {"apiVersion": "example.dev/v2", "kind": "Example"},
            "apiVersion",
            "must have apiVersion 'example.dev/v1'",
            id="wrong-version",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "Secret"},
            "kind",
            "must be a ConfigMap (v1) or Example (example.dev/v1)",
            id="wrong-kind",
        ),
    ],
)
def test_every_mistake_names_the_field(config, field, message):
    with pytest.raises(ConfigError) as raised:
        fnconfig.load(config, KIND)
    assert raised.value.field == field
    assert message in raised.value.message
    assert str(raised.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    "strict",
    [
        {**SCHEMA, "required": ["mode"]},
        {**SCHEMA, "minProperties": 1},
        {**SCHEMA, "type": ["object", "null"], "anyOf": [{"required": ["mode"]}, {"required": ["count"]}]},
    ],
    ids=["required", "minProperties", "anyOf"],
)
def test_no_fields_are_still_checked_against_a_schema_that_can_reject_them(strict):
    with pytest.raises(ConfigError):
        fnconfig.load(configmap(), fnconfig.ConfigKind(api_version="example.dev/v1", kind="Example", schema=strict))
