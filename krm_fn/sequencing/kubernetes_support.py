"""Which Kubernetes minor versions upstream still supports, for the rule that picks ``kubernetesVersion``'s default.

The rule: the default is the **oldest minor that upstream Kubernetes still supports** (patch releases, before its
End of Life date) on the day a seq-fn version is released. Upstream supports the three newest minors, each for
about 14 months (12 months, then 2 months of maintenance mode), and releases a minor about every four months, so
the default moves on about three times a year. A cluster older than the default is out of support everywhere but
in the extended support some managed offerings sell; such users set ``kubernetesVersion`` themselves.

The dates are the End of Life dates of kubernetes.io/releases (the release team's schedule; the newest minors'
dates are the schedule's plan, which follows the same pattern: a minor released in December ends on 28 February
of the year after next, one released in April on 28 June of the next year, one released in August on 28 October
of the next year). ``tests/test_kubernetes_support.py`` fails once the default's End of Life date has passed, or
when a newer minor should be the default: then raise ``DEFAULT_KUBERNETES_VERSION`` (and add the next minor here).

The function itself never reads the date: its output depends on its input only.
"""

from __future__ import annotations

import datetime

#: minor -> the day upstream support ends (End of Life on kubernetes.io/releases).
END_OF_LIFE: dict[tuple[int, int], datetime.date] = {
    (1, 29): datetime.date(2025, 2, 28),
    (1, 30): datetime.date(2025, 6, 28),
    (1, 31): datetime.date(2025, 10, 28),
    (1, 32): datetime.date(2026, 2, 28),
    (1, 33): datetime.date(2026, 6, 28),
    (1, 34): datetime.date(2026, 10, 27),
    (1, 35): datetime.date(2027, 2, 28),
    (1, 36): datetime.date(2027, 6, 28),
    (1, 37): datetime.date(2027, 10, 28),
}


def oldest_supported(on: datetime.date) -> tuple[int, int]:
    """The oldest minor still supported upstream on ``on``; ValueError when the table does not reach that far."""
    supported = [minor for minor, end in END_OF_LIFE.items() if end >= on]
    if not supported:
        raise ValueError(f"END_OF_LIFE ends before {on}: add the newer Kubernetes minors")
    return min(supported)
