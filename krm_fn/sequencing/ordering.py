"""Orders and DAGs of steps: a stable topological order, and the cycle to show when there is none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class CycleError(ValueError):
    """The ``after`` relation has a cycle; ``cycle`` lists it with the first name repeated at the end."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


def linearise(names: Sequence[str], after: Mapping[str, Sequence[str]]) -> list[str]:
    """Order ``names`` so that each comes after everything it waits for, otherwise keeping their given order.

    Stable: among the names that are ready, the one listed first goes next, so a DAG with no constraints at
    all keeps the user's order, and the same input always gives the same output.
    """
    placed: list[str] = []
    done: set[str] = set()
    pending = list(names)
    while pending:
        ready = next((n for n in pending if all(d in done for d in after.get(n, ()))), None)
        if ready is None:
            raise CycleError(find_cycle(pending, after))
        pending.remove(ready)
        placed.append(ready)
        done.add(ready)
    return placed


def find_cycle(names: Sequence[str], after: Mapping[str, Sequence[str]]) -> list[str]:
    """A cycle among ``names`` (which must contain one), e.g. ``["a", "b", "a"]``."""
    for start in names:
        path = [start]
        seen = {start}
        node = start
        while True:
            nxt = next((d for d in after.get(node, ()) if d in names), None)
            if nxt is None:
                break
            if nxt in seen:
                return [*path[path.index(nxt) :], nxt]
            path.append(nxt)
            seen.add(nxt)
            node = nxt
    return list(names)


def chain(names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each name waits for the one before it."""
    return {name: ((names[i - 1],) if i else ()) for i, name in enumerate(names)}
