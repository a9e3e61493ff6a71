"""The organisation-change pages read in Simplified Chinese by default and in English when the
browser asks for it (issue 18's rule, for issue 23's pages)."""

from __future__ import annotations

import pytest

from tests.conftest import login, user
from tests.orgchange_helpers import confirmed, file_change, newcomer


@pytest.fixture
def zh(app_factory):
    import config
    from oa_platform.demo import load_demo_data

    app = app_factory(OA_DEFAULT_LOCALE=config.OA_DEFAULT_LOCALE)
    with app.app_context():
        load_demo_data()
    return app


def test_the_change_pages_read_chinese_with_english_on_request(zh):
    with zh.app_context():
        newcomer("wei")
        request = confirmed(
            file_change(change_kind="head_change", department="SLS/SALES", person="wei")
        )
        assert user("wei") is not None
    client = zh.test_client()
    login(client, "admin")
    listing = client.get("/orgchange/").get_data(as_text=True)
    assert "组织变更" in listing and "部门负责人变更" in listing and "提交变更申请" in listing
    page = client.get(f"/orgchange/{request.id}").get_data(as_text=True)
    assert "变更的影响" in page and "执行变更" in page and "引用它们的流程定义" in page
    assert "批量转交待办" in client.get("/orgchange/reassign").get_data(as_text=True)
    english = client.get("/orgchange/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "File a change request" in english.get_data(as_text=True)
