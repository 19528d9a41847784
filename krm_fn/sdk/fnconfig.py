"""Load a functionConfig in any of the forms orchestrators send, and validate it against a JSON Schema.

Accepted, as in the kpt catalog: nothing (or kpt's empty ``function-input`` ConfigMap), a ConfigMap whose
``data`` holds strings (``kpt fn eval --exec fn -- key=value``), or the function's own typed kind. A ConfigMap's
strings are converted by the schema: a list of strings is comma-separated, a boolean is ``true``/``false``, an
object or a list of objects is written as YAML flow text, and ``a.b`` names field ``b`` of object ``a``.
Every mistake is a :class:`ConfigError` that names the field as the user wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from krm_fn.sdk import yamlio
from krm_fn.sdk.errors import ConfigError, InputError

_CONFIGMAP = ("v1", "ConfigMap")
_ENVELOPE = ("apiVersion", "kind", "metadata")
#: Keywords that only describe, or only constrain the properties an object has: an empty object satisfies any
#: object schema made of these alone, so :func:`validate` can say so without loading jsonschema.
_EMPTY_OBJECT_PASSES = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "deprecated", "type",
     "properties", "additionalProperties", "patternProperties", "propertyNames", "unevaluatedProperties"}
)  # fmt: skip


class ConfigKind(NamedTuple):
    """The typed functionConfig a function accepts; ``schema`` covers its top-level fields."""

    api_version: str
    kind: str
    schema: Mapping[str, Any]

    @property
    def expected(self) -> str:
        """How error messages name the accepted forms."""
        return f"a ConfigMap (v1) or {self.kind} ({self.api_version})"


def load(fn_config: Mapping[str, Any] | None, spec: ConfigKind) -> dict[str, Any]:
    """The validated fields of ``fn_config`` as plain data (``{}`` when there is no config)."""
    if fn_config is None or len(fn_config) == 0:
        return {}
    api_version, kind = fn_config.get("apiVersion"), fn_config.get("kind")
    mistakes: list[ConfigError] = []  # a ConfigMap's values that do not convert; the schema finds the rest
    if (api_version, kind) == _CONFIGMAP:
        fields, origin = _from_configmap(fn_config.get("data"), spec.schema, mistakes), "data."
    elif kind == spec.kind and api_version == spec.api_version:
        fields, origin = {k: yamlio.to_plain(v) for k, v in fn_config.items() if k not in _ENVELOPE}, ""
    elif kind == spec.kind:
        raise ConfigError(f"{kind} must have apiVersion {spec.api_version!r}, not {api_version!r}", field="apiVersion")
    else:
        raise ConfigError(f"must be {spec.expected}; got kind {kind!r} (apiVersion {api_version!r})", field="kind")
    try:
        validate(fields, spec.schema, origin=origin)
    except ConfigError as err:
        mistakes += err.every()
    if mistakes:  # every mistake in one run, in the order of the fields
        first, *rest = sorted(mistakes, key=lambda e: e.field or "")
        raise ConfigError(first.message, field=first.field, also=tuple(rest))
    return fields


def validate(fields: Mapping[str, Any], schema: Mapping[str, Any], *, origin: str = "") -> None:
    """Raise a :class:`ConfigError` for every schema violation (one per field, in field order), naming the field.

    No fields (kpt's empty ``function-input`` ConfigMap, a typed config with only its envelope) against an object
    schema that constrains only the fields present is valid without asking jsonschema, whose import costs more
    than the rest of a short run; any other schema, and any field at all, is validated by jsonschema in full.
    """
    if not fields and _accepts_empty_object(schema):
        return
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(fields), key=lambda e: [str(p) for p in e.absolute_path])
    found: dict[str | None, ConfigError] = {}
    for error in errors:
        path, message = _describe(error)
        field = f"{origin}{path}" if path else None
        found.setdefault(field, ConfigError(message, field=field))  # the first mistake of each field
    if found:
        first, *rest = found.values()
        raise ConfigError(first.message, field=first.field, also=tuple(rest))


def _accepts_empty_object(schema: Mapping[str, Any]) -> bool:
    """True only when no keyword of ``schema`` can reject ``{}`` (vendor keywords ``x-...`` describe only)."""
    keywords = {k for k in schema if not k.startswith("x-")}
    return schema.get("type") == "object" and keywords <= _EMPTY_OBJECT_PASSES


def _describe(error: Any) -> tuple[str, str]:
    path = _path(error.absolute_path)
    custom = error.schema.get("x-message") if isinstance(error.schema, Mapping) else None
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        field = f"{path}.{extra[0]}" if path else extra[0]
        known = ", ".join(sorted(allowed))
        return field, f"unknown field; known fields here: {known}"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return path, f"field {missing!r} is required"
    if custom:
        return path, f"{custom} (got {error.instance!r})"
    if error.validator == "enum":
        return path, f"must be one of {', '.join(map(str, error.validator_value))} (got {error.instance!r})"
    if error.validator == "type":
        return path, f"must be of type {error.validator_value} (got {_type_name(error.instance)} {error.instance!r})"
    return path, error.message


def _type_name(value: Any) -> str:
    """The JSON type of a value, as users know it (a reader's own classes, such as ruamel.yaml's, left out)."""
    for base, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"),
                       (Mapping, "object")):  # fmt: skip
        if isinstance(value, base):
            return name
    return "null" if value is None else type(value).__name__


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _from_configmap(data: Any, schema: Mapping[str, Any], mistakes: list[ConfigError]) -> dict[str, Any]:
    """The fields a ConfigMap's strings stand for; a value that cannot be one goes to ``mistakes``, left out."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"ConfigMap data must be a mapping of strings, not a {type(data).__name__}", field="data")
    fields: dict[str, Any] = {}
    for key, raw in data.items():
        if not isinstance(raw, str):
            mistakes.append(
                ConfigError(
                    f"ConfigMap values must be strings (got {_type_name(raw)} {raw!r}); quote it",
                    field=f"data.{key}",
                )
            )
            continue
        *parents, leaf = str(key).split(".")
        target, props = fields, schema
        for parent in parents:
            props = _resolve(props.get("properties", {}).get(parent), schema)
            target = target.setdefault(parent, {})
            if not isinstance(target, dict):
                raise ConfigError(f"{parent} is set twice", field=f"data.{key}")
        try:
            target[leaf] = _convert(raw, props.get("properties", {}).get(leaf), key=str(key), root=schema)
        except ConfigError as err:
            mistakes.append(err)
    return fields


def _resolve(node: Mapping[str, Any] | None, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (``#/$defs/name``) so that conversion sees the real type."""
    while node and "$ref" in node and str(node["$ref"]).startswith("#/"):
        target: Any = root
        for part in str(node["$ref"])[2:].split("/"):
            target = target.get(part, {})
        node = target
    return node or {}


def _convert(raw: str, prop: Mapping[str, Any] | None, *, key: str, root: Mapping[str, Any]) -> Any:
    prop = _resolve(prop, root)
    kind = prop.get("type")
    if kind == "array" and _resolve(prop.get("items"), root).get("type") == "string":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if kind == "boolean" and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    if kind == "integer" and raw.strip().lstrip("-").isdigit():
        return int(raw)
    if kind in ("object", "array"):
        try:
            docs = yamlio.load_all(raw)
        except InputError as err:
            raise ConfigError(f"is not YAML ({err})", field=f"data.{key}") from None
        return yamlio.to_plain(docs[0]) if docs else None
    return raw
