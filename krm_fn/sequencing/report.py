"""What the pure core has to say about one workload, before it becomes SDK results with a resourceRef."""

from __future__ import annotations

from typing import NamedTuple

from krm_fn.sdk.results import Severity


class Finding(NamedTuple):
    """One message about a workload; ``path`` is a field path inside that workload."""

    severity: Severity
    message: str
    path: str | None = None
    topic: str | None = None


class Report:
    """Collects findings; planning and strategies keep going after an error so the user sees all of them."""

    __slots__ = ("findings", "notes")

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        #: Facts for the info summary of a sequenced workload (the startup gate each container got).
        self.notes: list[str] = []

    def error(self, message: str, path: str | None = None, *, topic: str) -> None:
        """Something that cannot be done: the workload stays as it was and the run exits 1.

        ``topic`` names the section of the troubleshooting page (``seq-fn explain TOPIC``) that explains the
        error and its ways out; the message points there.
        """
        self.findings.append(Finding("error", message, path, topic))

    def warn(self, message: str, path: str | None = None) -> None:
        """Something the user should know; the workload is still sequenced."""
        self.findings.append(Finding("warning", message, path))

    def info(self, message: str, path: str | None = None) -> None:
        """Why nothing was done to a workload seq-fn was asked to sequence (a one-container Deployment)."""
        self.findings.append(Finding("info", message, path))

    def note(self, text: str) -> None:
        """A fact the info result of the workload states (not a warning: nothing to act on)."""
        self.notes.append(text)

    @property
    def has_errors(self) -> bool:
        """Whether any finding is an error."""
        return any(f.severity == "error" for f in self.findings)
