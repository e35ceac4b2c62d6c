"""Phone and e-mail recognisers."""

from __future__ import annotations

import pytest

from masking.recognizers import email, phone


@pytest.mark.parametrize("text, found", [
    ("手机 139 0471 1234", ["139 0471 1234"]),
    ("电话：+86 13904711235", ["+86 13904711235"]),
    ("联系电话：0471-6217642", ["0471-6217642"]),
    ("客服 400-800-1234", []),
    ("电话号 1390471", []),
    ("2024年6月30日", []),
])
def test_phone(text, found):
    assert [e.text for e in phone.find(text)] == found


@pytest.mark.parametrize("text, found", [
    ("邮箱：zhang.san@nmg-power.cn", ["zhang.san@nmg-power.cn"]),
    ("邮箱 WJG1985@example.com", ["WJG1985@example.com"]),
    ("zhang.san@localhost", []),
    ("@example.com", []),
])
def test_email(text, found):
    assert [e.text for e in email.find(text)] == found
