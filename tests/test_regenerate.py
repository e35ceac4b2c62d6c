"""The regenerate switch is for people: a CI run with it on would rewrite the expectations it checks."""

from __future__ import annotations

import pytest
from support.ci import in_ci
from support.regenerate import SWITCH, regenerating


@pytest.mark.parametrize(("value", "on"), [("1", True), (" 1 ", True), ("", False), ("0", False), ("yes", False)])
def test_only_one_turns_the_switch_on(monkeypatch, value, on):
    monkeypatch.setenv(SWITCH, value)
    assert regenerating() is on


def test_the_switch_is_off_under_ci():
    assert not (in_ci() and regenerating()), f"{SWITCH}=1 under CI=true: CI must compare, never rewrite"
