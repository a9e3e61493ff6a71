"""Regulations §4.1 and §6.2: no simple numeral runs, no weak passwords, frequent changes."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oa_platform.accounts.password_policy import PasswordPolicy, longest_simple_run
from oa_platform.accounts.passwords import one_time_password

POLICY = PasswordPolicy()


@pytest.mark.parametrize("run", ["123456", "654321", "111111", "abcdef", "FEDCBA", "zzzz"])
def test_runs_of_consecutive_or_repeated_characters_are_rejected(run):
    problems = POLICY.problems(f"Tiger-Lamp-{run}!")
    run_messages = [p for p in problems if "runs of consecutive or repeated characters" in p]
    assert len(run_messages) == 1, problems
    assert run.lower() in run_messages[0].lower()


def test_the_regulations_own_example_123456_is_rejected_for_length_and_run():
    problems = POLICY.problems("123456")
    assert "Use at least 12 characters (this one has 6)." in problems
    assert any('"123456"' in p for p in problems)
    assert any("commonly used" in p for p in problems)


@pytest.mark.parametrize(
    "password", ["qwertyuiop12", "Password2024!!", "iloveyou1!", "WOAINI1314520"]
)
def test_common_passwords_are_rejected_even_with_digits_around(password):
    assert any("commonly used" in p for p in PasswordPolicy(min_length=8).problems(password))


def test_password_containing_the_user_name_is_rejected():
    problems = POLICY.problems("My-zhangwei-Garden", username="ZhangWei")
    assert problems == ["The password must not contain your user name."]


def test_minimum_length_is_configurable():
    assert PasswordPolicy(min_length=16).problems("Tiger-Lamp-Moon") == [
        "Use at least 16 characters (this one has 15)."
    ]
    assert PasswordPolicy(min_length=8).problems("Tiger-Lamp") == []


def test_a_good_password_breaks_no_rule():
    assert POLICY.problems("Harbour-Kite-73-Plum", username="staff") == []


def test_maximum_age_is_configurable_and_zero_switches_it_off():
    changed = datetime(2026, 1, 1)
    assert PasswordPolicy(max_age_days=90).is_expired(changed, changed + timedelta(days=90))
    assert not PasswordPolicy(max_age_days=90).is_expired(changed, changed + timedelta(days=89))
    assert not PasswordPolicy(max_age_days=0).is_expired(changed, changed + timedelta(days=9999))


@given(st.integers(0, 6), st.integers(4, 10 - 0), st.booleans())
def test_any_digit_run_of_four_or_more_is_found(start, length, descending):
    digits = "0123456789"[start : start + length]
    run = digits[::-1] if descending else digits
    assert longest_simple_run(f"Kite-{run}-Moon") == run or len(run) < 4


@given(st.text(min_size=0, max_size=40))
def test_longest_run_is_a_substring_of_the_password(password):
    assert longest_simple_run(password) in password


@given(st.sampled_from(["alice", "bob", "zhangwei", "staff"]), st.integers(12, 24))
def test_one_time_passwords_always_satisfy_the_policy(username, length):
    policy = PasswordPolicy(min_length=length)
    assert policy.problems(one_time_password(policy, username), username) == []
