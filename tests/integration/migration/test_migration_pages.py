"""IT's instance migration page (issue 23, item 4): the older versions with running
instances, the proposed mapping, the preview (a dry run) that must come before the run, the
run, and the way back; administrators only."""

from __future__ import annotations

import pytest

from oa_platform.extensions import db
from oa_platform.runtime.models import Instance
from tests.conftest import login
from tests.migration_helpers import at_check, request, version_one, version_two
from tests.runtime_helpers import act, live, publish, refresh

PAGE = "/admin/instance-migration/purchase_request/1"


def mapping_post(step: str, **extra: str) -> dict[str, str]:
    return {
        "to": "2",
        "node-start": "start",
        "node-head_ok": "head_ok",
        "node-legal": "",
        "node-check": "verify",
        "node-end": "end",
        "field-item": "item",
        "field-remark": "",
        "step": step,
        **extra,
    }


@pytest.fixture
def two_versions(demo):
    publish(version_one())
    instances = [request(), at_check(remark="Urgent"), at_check(item="contract")]
    publish(version_two())
    return instances


def test_it_previews_then_runs_a_migration_and_takes_one_instance_back(client, two_versions):
    waiting, checked, legal = two_versions
    login(client, "admin")
    page = client.get("/admin/instance-migration/").get_data(as_text=True)
    assert 'id="older-purchase_request-1"' in page

    page = client.get(PAGE).get_data(as_text=True)
    assert '<option value="verify" selected>' in page  # "Check" found by its name

    # A run without a preview of the same mapping is refused; nothing changes.
    page = client.post(PAGE, data=mapping_post("run"), follow_redirects=True)
    assert "Preview this mapping (a dry run) before running it." in page.get_data(as_text=True)
    assert refresh(waiting).definition_version.number == 1

    page = client.post(PAGE, data=mapping_post("preview")).get_data(as_text=True)
    assert "Preview: nothing has changed yet" in page
    assert "Can be migrated: 2" in page and "Refused, left as they are: 1" in page
    assert f'id="plan-{legal.id}" class="danger"' in page
    assert "Legal check" in page and "which the new version does not have" in page
    assert f'id="plan-{checked.id}" class="warning"' in page  # loses its remark
    digest = page.split('name="previewed" value="')[1].split('"')[0]
    assert refresh(waiting).definition_version.number == 1

    # The mapping changed after the preview: run refused.
    changed = mapping_post("run", previewed=digest, **{"node-legal": "verify"})
    page = client.post(PAGE, data=changed).get_data(as_text=True)
    assert "Preview this mapping (a dry run) before running it." in page

    page = client.post(PAGE, data=mapping_post("run", previewed=digest)).get_data(as_text=True)
    assert "2 instances migrated to version 2, 1 refused and left as they were." in page
    assert refresh(waiting).definition_version.number == 2
    assert refresh(legal).definition_version.number == 1
    assert f'/admin/instance-migration/back/{checked.id}"' in page

    # The list offers the way back while nothing has happened on them.
    page = client.get("/admin/instance-migration/").get_data(as_text=True)
    assert f'id="returnable-{checked.id}"' in page and f'id="returnable-{waiting.id}"' in page
    client.post(f"/admin/instance-migration/back/{checked.id}", headers={"Referer": PAGE})
    checked = refresh(checked)
    assert checked.definition_version.number == 1 and checked.values["remark"] == "Urgent"

    act("head", live(refresh(waiting))[0], "agree")
    page = client.post(f"/admin/instance-migration/back/{waiting.id}", follow_redirects=True)
    assert "something has happened on it since it was migrated" in page.get_data(as_text=True)
    assert db.session.get(Instance, waiting.id).definition_version.number == 2
    page = client.get("/admin/instance-migration/").get_data(as_text=True)
    assert 'id="returnable-' not in page and 'id="nothing-returnable"' in page


@pytest.mark.parametrize("username", ["designer", "hr", "mc", "head", "staff", "auditor"])
def test_only_administrators_reach_the_migration_pages(client, two_versions, username):
    login(client, username)
    assert client.get("/admin/instance-migration/").status_code == 403
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=mapping_post("preview")).status_code == 403
    waiting = two_versions[0]
    assert client.post(f"/admin/instance-migration/back/{waiting.id}").status_code == 403
    assert refresh(waiting).definition_version.number == 1
