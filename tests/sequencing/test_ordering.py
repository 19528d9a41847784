import pytest

from krm_fn.sequencing import ordering


@pytest.mark.parametrize(
    ("names", "after", "expected"),
    [
        pytest.param(["a", "b", "c"], {}, ["a", "b", "c"], id="no-edges-keeps-order"),
        pytest.param(["c", "b", "a"], {"c": ["a"]}, ["b", "a", "c"], id="moves-only-what-must-move"),
        pytest.param(
            ["report", "merge", "x", "y"],
            {"merge": ["x", "y"], "report": ["merge"]},
            ["x", "y", "merge", "report"],
            id="diamond",
        ),
        pytest.param(["a", "b", "c", "d"], {"a": ["d"]}, ["b", "c", "d", "a"], id="stable-among-ready"),
    ],
)
def test_linearise_is_a_stable_topological_order(names, after, expected):
    result = ordering.linearise(names, after)
    assert result == expected
    for name, deps in after.items():
        assert all(result.index(d) < result.index(name) for d in deps)


def test_a_cycle_names_its_members_in_order():
    with pytest.raises(ordering.CycleError) as raised:
        ordering.linearise(["a", "b", "c", "d"], {"a": ["b"], "b": ["c"], "c": ["a"]})
    assert raised.value.cycle == ["a", "b", "c", "a"]


def test_a_cycle_is_found_behind_a_dead_end_branch():
    with pytest.raises(ordering.CycleError) as raised:
        ordering.linearise(["x", "a", "b"], {"x": ["a"], "a": ["b"], "b": ["a"]})
    assert raised.value.cycle in (["a", "b", "a"], ["b", "a", "b"])


def test_a_chain_waits_on_the_previous_name():
    assert ordering.chain(["a", "b", "c"]) == {"a": (), "b": ("a",), "c": ("b",)}
