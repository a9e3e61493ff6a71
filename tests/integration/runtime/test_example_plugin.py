"""docs/plugins.md's example package, installed into the venv like any third-party plugin:
its node type is discovered and runs a definition end to end, and its event integration
hears the instance finish."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import InstanceStatus
from plugins.events import event_manager
from plugins.registry import node_types
from tests.conftest import user
from tests.runtime_helpers import act, chain, live, publish, refresh

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "oa_example_plugin"


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--quiet", *args], check=True)


@pytest.fixture(scope="module")
def example_plugin():
    _pip("install", "--no-deps", "--no-build-isolation", str(EXAMPLE))
    importlib.invalidate_caches()
    node_types.cache_clear()
    event_manager.cache_clear()
    yield
    _pip("uninstall", "--yes", "oa-example-plugin")
    node_types.cache_clear()
    event_manager.cache_clear()


def test_the_example_package_is_discovered_with_its_version_and_source(example_plugin):
    installed = node_types().installed["sequential_review"]
    assert installed.version == "1.0.0"
    assert installed.source.startswith("oa-example-plugin 1.0.0: oa_example_plugin.")
    assert node_types().problems == []


def test_a_definition_using_the_example_node_type_runs_end_to_end(example_plugin, demo):
    from oa_example_plugin.finished_log import FINISHED

    review = {
        "id": "review",
        "type": "sequential_review",
        "name": "Sample review",
        "config": {"reviewers": ["head", "leader"]},
    }
    publish(chain("samples_review", review))
    instance = runtime().submit(user("staff"), "samples_review", MultiDict({"note": "samples"}))
    assert [(t.assignee.username, str(t.status)) for t in live(refresh(instance))] == [
        ("head", "open"),
        ("leader", "waiting"),
    ]
    act("head", live(refresh(instance))[0], "agree")
    act("leader", live(refresh(instance), "review")[0], "agree")
    assert refresh(instance).status is InstanceStatus.COMPLETED
    assert (instance.id, "samples_review", "completed") in FINISHED
