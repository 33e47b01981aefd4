"""policyops.api_parsers.JSONParser: bodies that reached a 500 through DRF's reader answer 400, in Chinese."""
import io

import pytest
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from policyops.api_parsers import JSONParser
from policyops.roles import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def parsed(body: bytes):
    return JSONParser().parse(io.BytesIO(body), "application/json", {"encoding": "utf-8"})


def refusal(body: bytes) -> str:
    with pytest.raises(ParseError) as raised:
        parsed(body)
    return str(raised.value.detail)


def test_a_plain_body_is_read_as_json():
    assert parsed('{"reason": "材料不全", "days": 5, "rate": 0.5, "items": [1, null, true]}'.encode()) == {
        "reason": "材料不全", "days": 5, "rate": 0.5, "items": [1, None, True]}


def test_a_body_nested_past_the_interpreters_depth_is_refused():
    assert refusal(b"[" * 100_000 + b"]" * 100_000) == "请求内容嵌套过深。"


@pytest.mark.parametrize("text", [r'"a\ud800b"', r'{"\udfff": 1}', r'[[{"x": ["\ud83d"]}]]'])
def test_a_lone_surrogate_anywhere_is_refused(text):
    assert "代理" in refusal(text.encode())


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1" * 5000])
def test_a_number_no_field_can_hold_is_refused(number):
    assert refusal(f'{{"power": {number}}}'.encode()) == "请求内容不是有效的 JSON。"


def test_malformed_json_says_where_in_chinese():
    assert refusal(b'{"a": }') == "请求内容不是有效的 JSON（第 1 行第 7 列）。"


def test_undecodable_bytes_are_refused():
    assert refusal(b'{"a": "\xff"}') == "请求内容不是有效的 JSON。"


def test_the_api_answers_such_a_body_with_a_json_400(seeded):
    client = APIClient()
    client.force_login(make_user(Role.CLERK))
    response = client.post("/api/approvals/cases/", b'{"applicant_type": "a\\ud800b"}', content_type="application/json")
    assert response.status_code == 400 and "代理" in response.json()["detail"]


def test_a_null_body_is_refused_in_chinese(seeded):
    client = APIClient()
    client.force_login(make_user(Role.CLERK))
    response = client.post("/api/approvals/cases/", b"null", content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"] == "未提交任何数据。"


def test_a_body_past_djangos_limit_is_answered_in_json(seeded, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client = APIClient()
    client.force_login(make_user(Role.CLERK))
    response = client.post("/api/approvals/cases/", {"applicant_name": "张" * 2_000}, format="json")
    assert response.status_code == 400 and response.json() == {"detail": "请求内容过大。"}
