"""Go durations (``90s``, ``10m``, ``1h30m``), as Kubernetes tools and the annotations write them."""

from __future__ import annotations

import math
import re

GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def whole_seconds(value: str) -> int | None:
    """A Go duration in whole seconds, rounded up (Kubernetes fields count whole seconds); None if not one."""
    text = value.strip()
    if not GO_DURATION.match(text):
        return None
    total = sum(float(number) * _SECONDS[unit] for number, unit in _PART.findall(text))
    whole = int(total)
    return whole if whole == total else whole + 1


def as_text(seconds: float) -> str:
    """``300`` -> ``5m``, ``90`` -> ``90s``, ``5400`` -> ``1h30m``: as users write durations."""
    whole = math.ceil(seconds)
    if whole % 60 or whole < 60:
        return f"{whole}s"
    hours, minutes = divmod(whole // 60, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
