"""``flask oa migrate-instances``: a dry run by default, the run with ``--run``."""

from __future__ import annotations

from oa_platform.cli import oa_cli
from tests.migration_helpers import at_check, request, version_one, version_two
from tests.runtime_helpers import publish, refresh, verified


def test_the_command_line_previews_then_migrates(demo):
    publish(version_one())
    waiting, legal = request(), at_check(item="contract")
    publish(version_two())
    runner = demo.test_cli_runner()

    result = runner.invoke(oa_cli, ["migrate-instances", "purchase_request", "1"])
    assert result.exit_code == 0, result.output
    assert f"REFUSED #{legal.id}: It stands at node 'legal' (Legal check)" in result.output
    assert "2 instances: would migrate (dry run) 1, refused 1, losing data 1" in result.output
    assert refresh(waiting).definition_version.number == 1

    result = runner.invoke(oa_cli, ["migrate-instances", "purchase_request", "1", "--run"])
    assert result.exit_code == 0, result.output
    assert "2 instances: migrated 1, refused 1" in result.output
    assert refresh(waiting).definition_version.number == 2
    assert refresh(legal).definition_version.number == 1
    assert verified()

    result = runner.invoke(
        oa_cli, ["migrate-instances", "purchase_request", "1", "--node", "legal=nowhere"]
    )
    assert result.exit_code == 1
    assert "Node 'legal' is mapped to 'nowhere', which the new version does not have." in (
        result.output
    )


def test_the_command_line_takes_instances_back(demo):
    publish(version_one())
    untouched, acted_on = request(), request()
    publish(version_two())
    runner = demo.test_cli_runner()
    runner.invoke(oa_cli, ["migrate-instances", "purchase_request", "1", "--run"])
    from tests.runtime_helpers import act, live

    act("head", live(refresh(acted_on))[0], "agree")
    result = runner.invoke(oa_cli, ["migrate-instances-back", str(untouched.id), str(acted_on.id)])
    assert result.exit_code == 1
    assert f"#{untouched.id} is back on version 1." in result.output
    assert f"REFUSED #{acted_on.id}: Instance {acted_on.id} cannot be migrated back" in (
        result.output
    )
    assert refresh(untouched).definition_version.number == 1
    assert refresh(acted_on).definition_version.number == 2
