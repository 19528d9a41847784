"""Results, as the KRM functions spec defines them: what a function tells its orchestrator about each object.

kpt shows results; kustomize does not, so :meth:`Result.one_line` renders errors for stderr as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning", "info"]


class Result(NamedTuple):
    """One entry of a ResourceList's ``results``."""

    message: str
    severity: Severity = "error"
    resource_ref: Mapping[str, str] | None = None
    field_path: str | None = None
    file: Mapping[str, Any] | None = None
    tags: Mapping[str, str] = MappingProxyType({})
    #: The line of the field in ``file`` (in the function's input when there is no file); kpt's results have no
    #: place for it, so only :meth:`one_line` shows it.
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Render in the wire format (``resourceRef``, ``field.path``, ``file.path``/``index``)."""
        out: dict[str, Any] = {"message": self.message, "severity": self.severity}
        if self.resource_ref:
            out["resourceRef"] = dict(self.resource_ref)
        if self.field_path:
            out["field"] = {"path": self.field_path}
        if self.file:
            out["file"] = dict(self.file)
        if self.tags:
            out["tags"] = dict(self.tags)
        return out

    def one_line(self) -> str:
        """Render for a terminal: ``error: Job data/etl: spec.x: message (file a.yaml)``."""
        parts = [f"{self.severity}:"]
        if self.resource_ref and not self.message.startswith(f"{self.resource_ref.get('kind')} "):
            ref = self.resource_ref
            name = "/".join(p for p in (ref.get("namespace"), ref.get("name")) if p)
            parts.append(f"{ref.get('kind', '?')} {name}:")
        if self.field_path:
            parts.append(f"{self.field_path}:")
        parts.append(self.message)
        if self.file and self.file.get("path"):
            parts.append(f"(file {self.file['path']}" + (f", line {self.line})" if self.line else ")"))
        elif self.line:
            parts.append(f"(line {self.line} of the input)")
        return " ".join(parts)


class Results(list[Result]):
    """The results of one run; the exit code follows from them (1 when any is an ``error``)."""

    @property
    def has_errors(self) -> bool:
        """Whether any result has severity ``error``: the run then fails and items stay unchanged."""
        return any(r.severity == "error" for r in self)

    def errors(self) -> list[Result]:
        """The results of severity ``error``, in order."""
        return [r for r in self if r.severity == "error"]

    def exit_code(self) -> int:
        """0 on success (warnings allowed), 1 when any result is an error."""
        return 1 if self.has_errors else 0
