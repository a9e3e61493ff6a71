"""A field or node labelled only in Chinese gets a key in pinyin, within the format's
identifier pattern, not an empty key or ``field`` (issue 19, deliver 6)."""

from __future__ import annotations

import re

import pytest

from form_builder.keys import key_from_label
from tests.conftest import login

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("报销金额", "bao_xiao_jin_e"),
        ("报销金额（元）", "bao_xiao_jin_e_yuan"),
        ("部门负责人", "bu_men_fu_ze_ren"),
        ("绿色通道", "lv_se_tong_dao"),
        ("发票Invoice 号码", "fa_piao_invoice_hao_ma"),
        ("1号仓库", "hao_cang_ku"),
        ("Leave type", "leave_type"),
    ],
)
def test_a_label_gives_a_key_that_reads_like_it(label, key):
    assert key_from_label(label) == key
    assert IDENTIFIER.match(key)


def test_a_label_without_letters_gives_no_key_and_a_long_one_is_cut():
    assert key_from_label("（）") == ""
    long_key = key_from_label("报销" * 40)
    assert IDENTIFIER.match(long_key) and len(long_key) <= 63


def test_the_designer_page_asks_the_server_for_the_key(client):
    login(client, "designer")
    answer = client.get("/designer/api/key", query_string={"text": "报销金额"})
    assert answer.get_json() == {"key": "bao_xiao_jin_e"}
