"""The API refuses input of the wrong shape in words, not in Python's: a list or an object sent
for a choice (policyops.api.ChoiceField, which every serializer uses), and a value of the wrong
JSON type (policyops.api.WRONG_TYPE_MESSAGES)."""
import datetime as dt
import importlib

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from policyops.api import ChoiceField
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db

NOT_A_CHOICE = "应为选项中的一个值，不能是列表或对象。"
SERIALIZER_MODULES = ("approvals.serializers", "programs.roads.serializers", "policyops.api_tasks")


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize("value", [["organisation"], {"type": "organisation"}])
def test_a_model_fields_choice_given_as_a_list_or_object_is_refused_in_words(clerk, power, value):
    response = api_for(clerk).post("/api/approvals/cases/", {"applicant_type": value}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["applicant_type"] == [NOT_A_CHOICE]


def test_a_declared_choice_given_as_a_list_is_refused_in_words(clerk, power, entrustment):
    case = register_case(power, clerk=clerk, received_on=dt.date(2024, 9, 27))
    response = api_for(clerk).post(f"/api/approvals/cases/{case.number}/record_superior_decision/",
                                   {"decision": ["approved"], "document": "青政审〔2024〕1号"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["decision"] == [NOT_A_CHOICE]


def test_an_unknown_choice_is_still_named(clerk):
    response = api_for(clerk).get("/api/approvals/cases/", {"state": "lost"})
    assert response.status_code == 400
    assert response.json()["errors"]["state"] == ["“lost” 不是合法选项。"]


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"materials": "申请书"}, "materials", "应为列表（JSON 数组）。"),
    ({"received_hall": ["1"]}, "received_hall", "应为编号：一个整数。"),
    ({"materials": ["申请书"]}, "materials", "应为对象（JSON 对象）。"),
])
def test_a_value_of_the_wrong_type_is_refused_without_pythons_type_names(clerk, power, body, field, message):
    response = api_for(clerk).post("/api/approvals/cases/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"][field]
    assert message in str(errors) and "str" not in str(errors) and "list" not in str(errors)


def test_a_list_of_the_wrong_type_is_refused_in_words_in_english_too(clerk, power):
    response = api_for(clerk).post("/api/approvals/cases/", {"materials": 5}, format="json",
                                   HTTP_COOKIE="django_language=en")
    assert response.json()["errors"]["materials"] == {"non_field_errors": ["Expected a list."]}


def _declared_serializers():
    for name in SERIALIZER_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, serializers.Serializer)
                    and value.__module__ == name):
                yield value


def _fields(serializer):
    for field in serializer.fields.values():
        yield field
        child = getattr(field, "child", None)
        if isinstance(child, serializers.Serializer):
            yield from _fields(child)
        elif isinstance(field, serializers.Serializer):
            yield from _fields(field)


@pytest.mark.parametrize("serializer_class", list(_declared_serializers()), ids=lambda c: c.__name__)
def test_every_choice_of_the_api_is_the_field_that_refuses_in_words(serializer_class):
    choices = [f for f in _fields(serializer_class()) if isinstance(f, serializers.ChoiceField)]
    assert all(isinstance(f, ChoiceField) for f in choices), [f.field_name for f in choices]
