"""What the pure core has to say about one workload, before it becomes SDK results with a resourceRef."""

from __future__ import annotations

from typing import Any, NamedTuple

from krm_fn.sdk import lines
from krm_fn.sdk.results import Severity


class Finding(NamedTuple):
    """One message about a workload; ``path`` is a field path in the workload as it was read (its input path).

    ``line`` is the line of that field in the text the workload was read from (None: not known).
    """

    severity: Severity
    message: str
    path: str | None = None
    topic: str | None = None
    line: int | None = None


class Report:
    """Collects findings; planning and strategies keep going after an error so the user sees all of them.

    Given the workload being edited (:meth:`track`), a finding's path, written against the workload as it is at
    that moment (a container already moved to ``initContainers``), is turned into the path of the same field in
    the input, with its line: a user fixes the file they have.
    """

    __slots__ = ("_origin", "_root", "findings", "notes")

    def __init__(self, root: Any = None) -> None:
        """``root``: the workload as read (or an unedited copy of it), whose nodes know the lines."""
        self.findings: list[Finding] = []
        #: Facts for the info summary of a sequenced workload (the startup gate each container got).
        self.notes: list[str] = []
        self._root = root
        self._origin: lines.Origin | None = None

    def track(self, work: Any) -> None:
        """From now on, paths are written against ``work``, a copy of the input that is about to be edited."""
        self._origin = lines.Origin(work)

    def _finding(self, severity: Severity, message: str, path: str | None, topic: str | None) -> Finding:
        if path is None or self._root is None:
            return Finding(severity, message, path, topic)
        if self._origin is not None:
            path = self._origin.input_path(path)
        return Finding(severity, message, path, topic, lines.line_of(self._root, path))

    def error(self, message: str, path: str | None = None, *, topic: str) -> None:
        """Something that cannot be done: the workload stays as it was and the run exits 1.

        ``topic`` names the section of the troubleshooting page (``seq-fn explain TOPIC``) that explains the
        error and its ways out; the message points there.
        """
        self.findings.append(self._finding("error", message, path, topic))

    def warn(self, message: str, path: str | None = None) -> None:
        """Something the user should know; the workload is still sequenced."""
        self.findings.append(self._finding("warning", message, path, None))

    def info(self, message: str, path: str | None = None) -> None:
        """Why nothing was done to a workload seq-fn was asked to sequence (a one-container Deployment)."""
        self.findings.append(self._finding("info", message, path, None))

    def note(self, text: str) -> None:
        """A fact the info result of the workload states (not a warning: nothing to act on)."""
        self.notes.append(text)

    @property
    def has_errors(self) -> bool:
        """Whether any finding is an error."""
        return any(f.severity == "error" for f in self.findings)
