"""Read back what the entrypoint strategy wrote: the flags of each step, the wait graph, the original argv.

An independent parser (it shares no code with the strategy), so the tests check the wiring, not the writer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FLAGS_WITH_VALUES = {
    "-wait_file", "-post_file", "-termination_path", "-step_metadata_dir", "-on_error", "-timeout", "-entrypoint",
}  # fmt: skip


@dataclass(frozen=True)
class Step:
    """One wrapped container."""

    name: str
    flags: Mapping[str, str]
    argv: list[str]

    @property
    def waits(self) -> list[str]:
        value = self.flags.get("-wait_file", "")
        return [p for p in value.split(",") if p]


def parse(container: Mapping[str, Any]) -> Step:
    """Read flags in order, as Go's flag package does (a flag's value may itself be ``--``), up to the ``--``
    that ends them; the original argv is ``-entrypoint`` plus everything after that ``--``."""
    args = list(container["args"])
    flags: dict[str, str] = {}
    i = 0
    while i < len(args) and args[i] != "--":
        flag = args[i]
        assert flag in FLAGS_WITH_VALUES, f"{container['name']}: unexpected flag {flag!r}"
        assert i + 1 < len(args), f"{container['name']}: {flag} has no value"
        flags[flag] = args[i + 1]
        i += 2
    assert i < len(args), f"{container['name']}: no -- separator: the binary would drop positional args"
    return Step(container["name"], flags, [flags["-entrypoint"], *args[i + 1 :]])


def steps_of(spec: Mapping[str, Any], binary: str) -> dict[str, Step]:
    """Every container whose command is the copied binary."""
    return {c["name"]: parse(c) for c in spec["containers"] if list(c.get("command") or []) == [binary]}


def wait_graph(steps: Mapping[str, Step]) -> dict[str, set[str]]:
    """step -> the steps whose post file it waits for (each wait file must be some step's post file)."""
    by_post = {s.flags["-post_file"]: name for name, s in steps.items()}
    graph: dict[str, set[str]] = {}
    for name, step in steps.items():
        for path in step.waits:
            assert path in by_post, f"{name} waits for {path}, which no step posts"
        graph[name] = {by_post[p] for p in step.waits}
    return graph


def closure(graph: Mapping[str, Sequence[str] | set[str]]) -> dict[str, set[str]]:
    """step -> everything it waits for, directly or through others."""
    out: dict[str, set[str]] = {}
    for start in graph:
        seen: set[str] = set()
        stack = list(graph[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(graph.get(node, ()))
        out[start] = seen
    return out
