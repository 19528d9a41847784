"""Selectors with kpt's semantics: the fields of one selector are AND'ed, a list of selectors is OR'ed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from krm_fn.sdk import objects


class Selector(NamedTuple):
    """Matches an object when every field that is set matches; an empty selector matches everything."""

    api_version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    labels: Mapping[str, str] = MappingProxyType({})
    annotations: Mapping[str, str] = MappingProxyType({})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Selector:
        """Build from the user's mapping; the caller has validated it against its schema."""
        return cls(
            api_version=data.get("apiVersion"),
            kind=data.get("kind"),
            name=data.get("name"),
            namespace=data.get("namespace"),
            labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
            annotations={str(k): str(v) for k, v in (data.get("annotations") or {}).items()},
        )

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Whether ``obj`` has every property this selector asks for."""
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
        assert isinstance(metadata, Mapping)
        scalars = (
            (self.api_version, obj.get("apiVersion")),
            (self.kind, obj.get("kind")),
            (self.name, metadata.get("name")),
            (self.namespace, metadata.get("namespace") or None),
        )
        if any(want is not None and want != got for want, got in scalars):
            return False
        return _has_all(objects.labels_of(obj), self.labels) and _has_all(objects.annotations_of(obj), self.annotations)


def _has_all(present: Mapping[str, Any], wanted: Mapping[str, str]) -> bool:
    return all(key in present and str(present[key]) == value for key, value in wanted.items())


def is_selected(
    obj: Mapping[str, Any], *, selectors: Iterable[Selector] = (), exclude: Iterable[Selector] = ()
) -> bool:
    """Kpt's rule: selected when no selectors are given or any one matches, and no exclude entry matches."""
    chosen = list(selectors)
    if chosen and not any(s.matches(obj) for s in chosen):
        return False
    return not any(s.matches(obj) for s in exclude)
