"""The docs stay true: the configuration reference is generated from the schema, and every error topic the code
uses has its section in the troubleshooting page."""

from __future__ import annotations

import re
from pathlib import Path

from krm_fn import reference
from krm_fn.sequencing.config import schema
from tests.support.run import command

ROOT = Path(__file__).parent.parent


def test_the_configuration_reference_is_generated_from_the_schema():
    assert (ROOT / "docs" / "configuration.md").read_text() == reference.markdown(schema()), (
        "regenerate: seq-fn schema --markdown > docs/configuration.md"
    )
    assert command(["schema", "--markdown"]).stdout == reference.markdown(schema())


def test_every_schema_field_is_described():
    assert "|  |\n" not in reference.markdown(schema()), "a field without a description"


def test_every_error_topic_has_a_troubleshooting_section():
    used = set()
    for path in (ROOT / "krm_fn").rglob("*.py"):
        used |= set(re.findall(r'topic="([a-z-]+)"', path.read_text()))
        used |= set(re.findall(r'_pointing\([^)]*"([a-z-]+)"\)', path.read_text()))
    anchors = set(re.findall(r'<a id="([a-z-]+)"></a>', (ROOT / "docs" / "troubleshooting.md").read_text()))
    assert used, "no topics found: the search is broken"
    assert used <= anchors, used - anchors


def test_error_messages_point_to_their_section():
    ran = command(["-f", str(ROOT / "tests" / "golden" / "error-cycle" / "input.yaml")])
    assert "(see docs/troubleshooting.md#order-and-dag)" in ran.stderr
