"""The two ways a KRM function can fail before it gets to do its job."""

from __future__ import annotations


class InputError(Exception):
    """The input is not YAML, or not a ResourceList (or not Kubernetes objects): exit code 2.

    The message is one line that says what is wrong and where, for stderr. ``line`` is the line of the text that
    was read, counted from 1; a caller that read that text from inside a larger one (one document of a file) moves
    it with :meth:`at`, so that the error names the file and the line a user opens it at.
    """

    def __init__(self, message: str, *, line: int | None = None, source: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.source = source

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{self.source}: {where}{self.message}" if self.source else where + self.message

    def at(self, first_line: int, source: str = "") -> InputError:
        """The same error for text that starts at line ``first_line`` of ``source`` (a file name, or ``<stdin>``)."""
        line = None if self.line is None else self.line + first_line - 1
        return InputError(self.message, line=line, source=self.source or source)


class ConfigError(Exception):
    """The functionConfig is wrong: an ``error`` result (exit code 1).

    ``message`` omits ``field`` (results carry it apart); ``str()`` has both, for a terminal. ``also`` holds the
    other mistakes found in the same config, so that one run reports them all (:meth:`every`).
    """

    def __init__(self, message: str, *, field: str | None = None, also: tuple[ConfigError, ...] = ()) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field
        self.also = also
        #: The line of ``field`` in the config file, where a caller that read the file knows it.
        self.line: int | None = None

    def every(self) -> list[ConfigError]:
        """The first mistake and the others found with it, in field order."""
        return [self, *self.also]
