"""Edges of the API's shared parts (policyops.api, api_parsers, api_renderers) and of the
policy-task API (policyops.api_tasks): the error bodies, the words said instead of Python's,
the labels, the pages' titles, and what the steps and the list answer."""
import datetime as dt
import io
import re

import pytest
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from policyops import api
from policyops.actions import POLICY_TASK_ACTIONS, ProgressReportSerializer
from policyops.api_parsers import FormParser, JSONParser, MultiPartParser
from policyops.api_renderers import BrowsableAPIRenderer
from policyops.api_tasks import PolicyTaskDetailSerializer, PolicyTaskSerializer, PolicyTaskViewSet
from policyops.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed, PolicyOpsError
from policyops.models import Department, PolicyTask
from policyops.roles import Role
from tests.conftest import freeze_localdate, make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory


def handled(exc):
    response = api.exception_handler(exc, {})
    return response.status_code, response.data


# --- policyops.api.exception_handler: each error's status and body --------------------------------


def test_invalid_input_is_a_400_naming_its_field():
    assert handled(InvalidInput("金额有误。", field="amount")) == (400, {"detail": "金额有误。", "field": "amount"})


def test_not_allowed_is_a_403_with_the_message_alone():
    assert handled(NotAllowed("无权操作。")) == (403, {"detail": "无权操作。"})


def test_a_conflict_kind_is_a_409_with_the_message_alone():
    assert handled(IllegalTransition("状态不允许。")) == (409, {"detail": "状态不允许。"})
    assert handled(Conflict("已被他人修改。")) == (409, {"detail": "已被他人修改。"})


def test_a_policyops_error_without_a_status_of_its_own_is_a_409():
    assert handled(PolicyOpsError("未知的拒绝。")) == (409, {"detail": "未知的拒绝。"})


def test_a_model_validation_error_names_its_first_field_and_first_message():
    exc = DjangoValidationError({"name": ["名称太长。", "名称含有空格。"], "code": ["编码重复。"]})
    assert handled(exc) == (400, {"detail": "名称太长。", "field": "name",
                                  "errors": {"name": ["名称太长。", "名称含有空格。"], "code": ["编码重复。"]}})


def test_a_model_validation_error_of_the_whole_object_names_no_field():
    status, body = handled(DjangoValidationError({"__all__": ["起止日期颠倒。"]}))
    assert (status, body) == (400, {"detail": "起止日期颠倒。", "field": None,
                                    "errors": {"non_field_errors": ["起止日期颠倒。"]}})


def test_a_model_validation_error_without_fields_joins_its_messages():
    messages = ["缺少附件。", "缺少签字。"]
    assert handled(DjangoValidationError(messages)) == (400, {
        "detail": "缺少附件。；缺少签字。", "field": None, "errors": {"non_field_errors": messages}})


def test_a_drf_validation_error_of_a_nested_list_names_the_items_position():
    exc = exceptions.ValidationError({"materials": [{}, {"name": ["此字段为必填项。"]}]})
    status, body = handled(exc)
    assert status == 400
    assert body["detail"] == "此字段为必填项。" and body["field"] == "materials.1.name"
    assert body["errors"] == {"materials": {"1": {"name": ["此字段为必填项。"]}}}


def test_a_drf_validation_error_of_the_whole_body_names_no_field():
    status, body = handled(exceptions.ValidationError({"non_field_errors": ["起止日期颠倒。"]}))
    assert (status, body["detail"], body["field"]) == (400, "起止日期颠倒。", None)


def test_a_drf_validation_error_of_a_bare_list_names_no_field():
    status, body = handled(exceptions.ValidationError(["不可处理。"]))
    assert (status, body["detail"], body["field"]) == (400, "不可处理。", None)


def test_an_empty_error_list_still_names_its_field():
    assert api._first_error({"items": []}) == ("", "items")
    assert api._first_error([]) == ("", None)


def test_a_list_of_messages_is_not_renumbered():
    assert api._index_lists(["第一条。", "第二条。"]) == ["第一条。", "第二条。"]


def test_a_list_mixing_messages_and_objects_is_numbered():
    assert api._index_lists(["整体有误。", {"name": ["必填。"]}]) == {"0": "整体有误。", "1": {"name": ["必填。"]}}


def test_a_not_found_keeps_drfs_body():
    assert handled(exceptions.NotFound("没有这一条。")) == (404, {"detail": "没有这一条。"})


# --- policyops.api._in_words: DRF's own words replaced, the others kept ----------------------------


def in_words(detail):
    return handled(exceptions.ValidationError({"field": [detail]}))[1]["errors"]["field"]


def test_a_null_field_keeps_its_own_message():
    assert in_words(ErrorDetail("该字段不能为 null。", code="null")) == ["该字段不能为 null。"]


def test_an_invalid_value_keeps_its_own_message():
    assert in_words(ErrorDetail("日期格式错误。", code="invalid")) == ["日期格式错误。"]


def test_a_nested_serializers_refusal_of_a_non_object_is_said_in_words():
    template = serializers.Serializer.default_error_messages["invalid"]
    assert in_words(ErrorDetail(str(template).format(datatype="str"), code="invalid")) == ["应为对象（JSON 对象）。"]


# --- policyops.api.LabelledFieldsMixin -------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label="退回原因", help_text="写明需补正的内容。")
    note = forms.CharField(label="表单的备注", help_text="表单的说明。")
    plain = forms.CharField(label="无说明的字段")


class ReasonSerializer(api.Serializer):
    labels_from = ReasonForm

    reason = serializers.CharField()
    note = serializers.CharField(label="自己的备注", help_text="自己的说明。")
    plain = serializers.CharField()


class TaskSerializer(api.ModelSerializer):
    text = serializers.CharField()
    summary = serializers.CharField(source="text")
    lead = serializers.SerializerMethodField()
    own = serializers.CharField(source="text", label="自己的标签")
    led_tasks = serializers.CharField()

    class Meta:
        model = PolicyTask
        fields = ["text", "summary", "lead", "own", "led_tasks"]

    def get_lead(self, task):
        return ""


def test_a_declared_field_takes_the_forms_label_and_help_text():
    field = ReasonSerializer().get_fields()["reason"]
    assert (field.label, field.help_text) == ("退回原因", "写明需补正的内容。")


def test_a_declared_label_and_help_text_are_kept():
    field = ReasonSerializer().get_fields()["note"]
    assert (field.label, field.help_text) == ("自己的备注", "自己的说明。")


def test_a_form_field_without_help_text_gives_none():
    field = ReasonSerializer().get_fields()["plain"]
    assert (field.label, field.help_text) == ("无说明的字段", None)


def test_a_declared_field_of_a_model_serializer_takes_the_model_fields_label():
    fields = TaskSerializer().get_fields()
    assert fields["text"].label == "任务"  # PolicyTask.text's verbose name
    assert fields["summary"].label == "任务"  # by its source


def test_a_declared_label_on_a_model_serializer_is_kept():
    assert TaskSerializer().get_fields()["own"].label == "自己的标签"


def test_a_name_that_is_no_model_field_keeps_no_label():
    assert TaskSerializer().get_fields()["lead"].label is None


def test_model_field_finds_concrete_fields_only():
    assert api._model_field(PolicyTask, "id") is PolicyTask._meta.get_field("id")
    assert api._model_field(PolicyTask, "text") is PolicyTask._meta.get_field("text")
    assert api._model_field(Department, "led_tasks") is None  # a reverse relation
    assert api._model_field(PolicyTask, "is_overdue") is None


# --- policyops.api.view_name, view_description, AutoSchema ----------------------------------------


class ThingsReportView(APIView):
    pass


def a_view(**attributes):
    view = ThingsReportView()
    for name, value in attributes.items():
        setattr(view, name, value)
    return view


def test_a_steps_page_is_titled_by_its_name():
    assert api.view_name(a_view(name="退回补正", api_title="政策任务", suffix="Instance")) == "退回补正"


@pytest.mark.parametrize(("suffix", "title"), [("List", "政策任务：列表"), ("Instance", "政策任务：详情"),
                                               (None, "政策任务")])
def test_a_views_page_is_titled_by_its_api_title_and_page(suffix, title):
    assert api.view_name(a_view(api_title="政策任务", suffix=suffix)) == title


def test_a_view_without_a_title_keeps_drfs_name():
    assert api.view_name(a_view()) == "Things Report"


def test_a_steps_page_has_no_description():
    assert api.view_description(a_view(name="退回补正", api_description="政策任务列表。")) == ""


def test_a_views_description_is_its_api_description_in_html_too():
    view = a_view(api_description="政策任务列表。")
    assert api.view_description(view) == "政策任务列表。"
    assert api.view_description(view, html=True) == "<p>政策任务列表。</p>"


def schema_for(view, method="GET"):
    schema = api.AutoSchema()
    schema.view = view
    schema.method = method
    schema.path = "/api/things/"
    return schema


def test_the_schema_sums_up_a_view_by_its_pages_title():
    assert schema_for(a_view(api_title="政策任务", suffix="List")).get_summary() == "政策任务：列表"
    assert schema_for(a_view(name="退回补正")).get_summary() == "退回补正"


def test_the_schema_leaves_a_view_without_a_title_to_drf_spectacular():
    assert schema_for(a_view()).get_summary() is None


def test_the_schema_describes_a_get_by_its_page_and_a_post_without_it():
    view = a_view(api_title="政策任务", api_description="政策任务列表。")
    assert schema_for(view, "GET").get_description() == "政策任务列表。"
    assert schema_for(view, "POST").get_description() == ""


# --- policyops.api.WorkflowViewSetMixin -----------------------------------------------------------


def test_the_serializer_context_keeps_the_requests_day(monkeypatch):
    view = PolicyTaskViewSet()
    view.request, view.format_kwarg, view.today = None, None, dt.date(2020, 5, 6)
    freeze_localdate(monkeypatch, dt.date(2021, 1, 1))
    assert view.get_serializer_context()["today"] == dt.date(2020, 5, 6)


def test_the_serializer_context_before_a_request_is_today(monkeypatch):
    view = PolicyTaskViewSet()
    view.request, view.format_kwarg = None, None
    freeze_localdate(monkeypatch, dt.date(2021, 1, 1))
    assert view.get_serializer_context()["today"] == dt.date(2021, 1, 1)


# --- policyops.api_parsers ------------------------------------------------------------------------


def test_the_json_parser_reads_the_requests_charset():
    parsed = JSONParser().parse(io.BytesIO('{"a": "é"}'.encode("latin-1")), "application/json",
                                {"encoding": "latin-1"})
    assert parsed == {"a": "é"}


def test_the_json_parser_needs_no_context():
    assert JSONParser().parse(io.BytesIO('{"a": "张三"}'.encode()), "application/json", None) == {"a": "张三"}


def test_the_json_parser_makes_text_plain():
    parsed = JSONParser().parse(io.BytesIO('{"a": "张\\u200b三"}'.encode()), "application/json", {"encoding": "utf-8"})
    assert parsed == {"a": "张三"}


def test_the_form_parser_makes_text_plain():
    body = "name=%E5%BC%A0%E2%80%8B%E4%B8%89".encode()
    parsed = FormParser().parse(io.BytesIO(body), "application/x-www-form-urlencoded", {"encoding": "utf-8"})
    assert parsed["name"] == "张三"


def test_the_multipart_parser_makes_text_plain_and_keeps_files(rf):
    request = rf.post("/", {"name": "张\u200b三", "file": SimpleUploadedFile("a.txt", b"x")})
    parsed = MultiPartParser().parse(io.BytesIO(request.body), request.META["CONTENT_TYPE"],
                                     {"request": request, "encoding": "utf-8"})
    assert parsed.data["name"] == "张三" and list(parsed.files) == ["file"]


# --- policyops.api_tasks --------------------------------------------------------------------------


@pytest.fixture
def task(unit):
    return PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2030, 12, 31), text="完成测试任务。")


def detail_url(task):
    return reverse("policyops-api:policy-task-detail", args=[task.pk])


@pytest.mark.django_db
def test_a_user_without_the_view_permission_is_refused_in_words(client, seeded):
    client.force_login(make_user())
    response = client.get(reverse("policyops-api:policy-task-list"))
    assert response.status_code == 403 and response.json() == {"detail": "您无权查看政策任务。"}


@pytest.mark.django_db
def test_a_tasks_detail_names_its_cooperating_units(client, clerk, task):
    task.cooperating_units.set([DepartmentFactory(name="协办局甲")])
    client.force_login(clerk)
    assert client.get(detail_url(task)).json()["cooperating_units"] == ["协办局甲"]


@pytest.mark.django_db
def test_overdue_is_judged_on_the_contexts_day(task):
    assert PolicyTaskSerializer(task, context={"today": dt.date(2031, 1, 1)}).data["overdue"] is True
    assert PolicyTaskSerializer(task, context={"today": dt.date(2030, 12, 31)}).data["overdue"] is False


@pytest.mark.django_db
def test_overdue_without_a_day_is_judged_today(monkeypatch, task):
    freeze_localdate(monkeypatch, dt.date(2031, 1, 1))
    assert PolicyTaskSerializer(task).data["overdue"] is True


@pytest.mark.django_db
def test_a_key_past_any_row_is_not_found(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("policyops-api:policy-task-detail", args=["9" * 30]))
    assert response.status_code == 404


# --- policyops.api.workflow_endpoints and the schema's error responses -----------------------------


def endpoints():
    return api.workflow_endpoints(POLICY_TASK_ACTIONS, detail_serializer=PolicyTaskDetailSerializer, noun="task")


def test_each_step_is_a_post_on_one_object_named_by_its_label():
    found = endpoints()
    assert list(found) == ["start", "submit", "accept", "return_for_rework", "resume"]
    step = found["return_for_rework"]
    assert (step.mapping, step.detail, step.url_path, step.url_name) == (
        {"post": "return_for_rework"}, True, "return_for_rework", "return-for-rework")
    assert str(step.kwargs["name"]) == "退回"  # its label
    assert found["submit"].kwargs["serializer_class"] is ProgressReportSerializer
    assert found["start"].kwargs["serializer_class"] is api.NoBodySerializer  # a form of a button only


def step_schema(step, method="POST"):
    schema = step.kwargs["schema"]()
    view = PolicyTaskViewSet()
    view.request, view.kwargs = None, {}
    schema.view, schema.method = view, method
    return schema


def test_a_steps_schema_answers_the_detail_or_each_error():
    schema = step_schema(endpoints()["submit"])
    responses = schema.get_response_serializers()
    assert set(responses) == {200, 400, 403, 404, 409} and responses[200] is PolicyTaskDetailSerializer
    assert schema.get_request_serializer() is ProgressReportSerializer


def test_a_step_runs_on_the_object_its_address_names():
    class View:
        lookup_url_kwarg, lookup_field = None, "pk"

        def run_workflow_action(self, request, lookup, action):
            return request, lookup, action.name

    assert endpoints()["accept"](View(), "the request", pk="42") == ("the request", "42", "accept")


def test_the_schemas_error_responses_by_status():
    assert set(api.input_errors()) == {400, 403}
    errors = api.workflow_errors("case")
    assert set(errors) == {400, 403, 404, 409}
    assert errors[404].description == api.NOT_FOUND["case"] and errors[409].description == api.CONFLICT["case"]
    assert errors[400].response is api.InputErrorSerializer


# --- policyops.api_renderers ----------------------------------------------------------------------


class NameSerializer(serializers.Serializer):
    name = serializers.CharField()


class EchoView(api.PolicyOpsAPIMixin, APIView):
    """Answers a POST with its own body's serializer (as DRF's generic views do)."""

    serializer_class = NameSerializer

    def get_serializer(self, *args, **kwargs):
        return NameSerializer(*args, **kwargs)

    def post(self, request):
        body = NameSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(body.data)


def test_after_a_post_answered_with_its_own_body_the_form_keeps_what_was_sent(seeded):
    request = APIRequestFactory().post("/echo/", {"name": "张三"}, format="json", HTTP_ACCEPT="text/html")
    request.user = make_user(Role.CLERK)
    response = EchoView.as_view(renderer_classes=[BrowsableAPIRenderer])(request)
    html = response.render().content.decode()
    assert re.search(r'<input name="name"[^>]*value="张三"', html)
