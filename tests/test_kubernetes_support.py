"""The default ``kubernetesVersion`` follows its stated rule (:mod:`krm_fn.sequencing.kubernetes_support`).

These tests read today's date on purpose: they fail on the day the default's upstream support ends, so that the
default is raised before a release ships an out-of-support one.
"""

from __future__ import annotations

import datetime

import pytest

from krm_fn.sequencing import config, kubernetes_support
from krm_fn.sequencing import constants as c


def test_the_default_is_still_supported_upstream_today():
    default = config.parse_version(c.DEFAULT_KUBERNETES_VERSION)
    end = kubernetes_support.END_OF_LIFE[default]
    assert datetime.date.today() <= end, (
        f"Kubernetes {c.DEFAULT_KUBERNETES_VERSION} left upstream support on {end}: raise DEFAULT_KUBERNETES_VERSION "
        "to the oldest supported minor (kubernetes_support.py), the schema's default, the README and the docs"
    )


def test_the_default_is_the_oldest_minor_supported_today():
    assert config.parse_version(c.DEFAULT_KUBERNETES_VERSION) == kubernetes_support.oldest_supported(
        datetime.date.today()
    ), "a newer default than the rule gives refuses features every supported cluster has, an older one allows less"


def test_every_place_that_states_the_default_agrees():
    assert config.SequenceConfig().kubernetes_version_text == c.DEFAULT_KUBERNETES_VERSION
    assert config.schema()["properties"]["kubernetesVersion"]["default"] == c.DEFAULT_KUBERNETES_VERSION
    assert config.load_config(None).kubernetes_version_text == c.DEFAULT_KUBERNETES_VERSION


def test_the_rule_on_known_days():
    assert kubernetes_support.oldest_supported(datetime.date(2026, 12, 6)) == (1, 35)
    assert kubernetes_support.oldest_supported(datetime.date(2026, 10, 27)) == (1, 34), "the last day still counts"
    assert kubernetes_support.oldest_supported(datetime.date(2025, 3, 1)) == (1, 30)
    with pytest.raises(ValueError, match="add the newer Kubernetes minors"):
        kubernetes_support.oldest_supported(datetime.date(2030, 1, 1))


def test_the_table_has_no_gap_and_each_minor_ends_after_the_one_before():
    minors = sorted(kubernetes_support.END_OF_LIFE)
    assert [m for _, m in minors] == list(range(minors[0][1], minors[-1][1] + 1))
    ends = [kubernetes_support.END_OF_LIFE[m] for m in minors]
    assert ends == sorted(ends) and len(set(ends)) == len(ends)
