"""The two ways a KRM function can fail before it gets to do its job."""


class InputError(Exception):
    """The input is not YAML, or not a ResourceList (or not Kubernetes objects): exit code 2.

    The message is one line that says what is wrong and where, for stderr.
    """


class ConfigError(Exception):
    """The functionConfig is wrong: an ``error`` result (exit code 1).

    ``message`` omits ``field`` (results carry it apart); ``str()`` has both, for a terminal.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field
