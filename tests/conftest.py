"""Suite-wide guards."""

from __future__ import annotations

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run that collected or selected no test is a failure (exit 1), never pytest's quiet exit 5."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nerror: no tests ran; a test run that checks nothing must not pass")
