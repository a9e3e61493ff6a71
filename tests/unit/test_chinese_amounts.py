"""Amounts in Chinese capitals (大写金额) as the banks write them: known amounts, every amount
read back to itself, the shape of the words, and what has no capitals."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oa_platform.chinese_amounts import LIMIT, amount_from_capitals, amount_in_capitals
from tests.hypothesis_profiles import examples

AMOUNTS = st.decimals(min_value=0, max_value=LIMIT - Decimal("0.01"), places=2)
# Small amounts and round ones are where the zeros go wrong.
ROUNDISH = st.builds(
    lambda figure, zeros, cents: Decimal(figure * 10**zeros) + Decimal(cents) / 100,
    st.integers(1, 9999),
    st.integers(0, 8),
    st.sampled_from([0, 5, 50, 55]),
)


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("10", "壹拾元整"),
        ("100.05", "壹佰元零伍分"),
        ("1001", "壹仟零壹元整"),
        ("10000000", "壹仟万元整"),
        ("0.5", "伍角整"),
        ("0.05", "伍分"),
        ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
        ("1.05", "壹元零伍分"),
        ("100010", "壹拾万零壹拾元整"),
        ("110000", "壹拾壹万元整"),
        ("100000001", "壹亿零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("320.50", "叁佰贰拾元伍角整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_known_amounts(amount, capitals):
    assert amount_in_capitals(amount) == capitals
    assert amount_in_capitals(Decimal(amount)) == capitals
    assert amount_from_capitals(capitals) == Decimal(amount)


def test_whole_yuan_as_int():
    assert amount_in_capitals(1234) == "壹仟贰佰叁拾肆元整"


@pytest.mark.parametrize(
    "refused", ["-0.01", "-1234.50", Decimal("-5"), "0.001", "12.345", "abc", "", "NaN", "Infinity"]
)
def test_negative_fractions_of_a_cent_and_words_are_refused(refused):
    with pytest.raises(ValueError):
        amount_in_capitals(refused)


def test_floats_and_too_large_amounts_are_refused():
    with pytest.raises(ValueError):
        amount_in_capitals(0.1)  # a float is never exact money
    with pytest.raises(ValueError):
        amount_in_capitals(LIMIT)


@settings(max_examples=examples(300))
@given(st.one_of(AMOUNTS, ROUNDISH))
def test_every_amount_reads_back_to_itself(amount):
    assert amount_from_capitals(amount_in_capitals(amount)) == amount


@settings(max_examples=examples(300))
@given(st.one_of(AMOUNTS, ROUNDISH))
def test_the_words_follow_the_banks_conventions(amount):
    words = amount_in_capitals(amount)
    if amount == 0:
        assert words == "零元整"
        return
    assert re.fullmatch(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+", words)
    assert "零零" not in words  # one 零 for a run of zeros
    assert not re.search(r"零[元万亿角整]", words)  # never a zero before a unit or at the end
    cents = int(amount * 100) % 100
    assert words.endswith("分") == (cents % 10 != 0)  # 整 unless there are 分
    assert words.endswith("整") == (cents % 10 == 0)
    if amount >= 10:  # 拾 always with its figure: 壹拾, never a bare 拾 at the start
        assert not words.startswith("拾")
    if amount >= 1:
        assert "元" in words and not words.startswith("零")
