"""What every PolicyOps JSON API view shares: one mapping from errors to HTTP responses.

Services raise policyops.errors; the API answers with one JSON shape:

* ``InvalidInput``, a DRF validation error or a model ``ValidationError`` → 400
  ``{"detail": message, "field": name-or-null}`` (DRF and model errors also carry every
  message under ``"errors"``);
* ``NotAllowed`` → 403 ``{"detail": message}``;
* ``Conflict`` (IllegalTransition, ConditionFailed, StaleObject) → 409 ``{"detail": message}``;
* everything else as DRF does (401/403 not logged in, 404, 405, …).

The handler is set per view through ``PolicyOpsAPIMixin`` (not in settings), so that the
admin and other DRF views keep DRF's defaults.

Also here: the API face of the workflow kernel. ``WorkflowViewSetMixin`` gives a viewset
one ``POST /<object>/<action>/`` endpoint per action of the model's list in
policyops.workflow (``workflow_endpoints``), and the ``allowed_transitions`` of its detail
view: the same list the admin and the pages show.
"""
from __future__ import annotations

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import decorators, exceptions, serializers, status
from rest_framework import views as drf_views
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils import formatting
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from policyops import workflow
from policyops.errors import Conflict, InvalidInput, NotAllowed, PolicyOpsError

STATUS_BY_ERROR = (
    (InvalidInput, status.HTTP_400_BAD_REQUEST),
    (NotAllowed, status.HTTP_403_FORBIDDEN),
    (Conflict, status.HTTP_409_CONFLICT),
)


def _field_name(key) -> str | None:
    key = str(key)
    return None if key in (NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY) else key


def _first_error(detail, path: tuple = ()) -> tuple[str, str | None]:
    """The first message of a (nested) DRF error detail and the dotted path of its field."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = _field_name(key)
            return _first_error(value, path + ((name,) if name is not None else ()))
    elif isinstance(detail, (list, tuple)):
        for value in detail:
            return _first_error(value, path)
    else:
        return str(detail), ".".join(path) or None
    return "", ".".join(path) or None


def _drf_validation_body(detail) -> dict:
    # Lists of nested serializers report items by position: name them "materials.1.name".
    if isinstance(detail, dict):
        detail = {k: _index_lists(v) for k, v in detail.items()}
    message, field = _first_error(detail)
    return {"detail": message, "field": field, "errors": detail}


def _index_lists(value):
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return {str(i): _index_lists(v) for i, v in enumerate(value) if v}
    if isinstance(value, dict):
        return {str(k): _index_lists(v) for k, v in value.items()}
    return value


def _django_validation_body(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        errors = {(_field_name(k) or api_settings.NON_FIELD_ERRORS_KEY): [str(m) for m in v]
                  for k, v in exc.message_dict.items()}
        field, messages = next(iter(errors.items()))
        return {"detail": messages[0], "field": _field_name(field), "errors": errors}
    messages = [str(m) for m in exc.messages]
    return {"detail": "；".join(messages), "field": None,
            "errors": {api_settings.NON_FIELD_ERRORS_KEY: messages}}


def exception_handler(exc, context):
    """DRF exception handler: PolicyOps errors and model validation errors as JSON."""
    if isinstance(exc, PolicyOpsError):
        code = next((code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls)), None)
        if code is None:  # a PolicyOpsError kind that has no status yet: treat as a conflict
            code = status.HTTP_409_CONFLICT
        body = {"detail": str(exc)}
        if isinstance(exc, InvalidInput):
            body["field"] = exc.field
        set_rollback()
        return Response(body, status=code)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(_django_validation_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        # Django's limits on a request's body (settings.DATA_UPLOAD_*), answered in JSON: Django's
        # own 400 is an HTML page.
        return Response({"detail": str(_("The request is too large."))}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = _drf_validation_body(_in_words(exc.detail))
    return response


# DRF's messages that name the wrong input's Python type (“str”, list, NoneType), said in words
# by their codes. A nested serializer's refusal of a non-object shares the code "invalid" with
# many fields' messages: it is known by its text (_not_an_object_texts).
WRONG_TYPE_MESSAGES = {
    "not_a_list": _("Expected a list."),
    "not_a_dict": _("Expected an object."),
    "incorrect_type": _("Expected a key: a whole number."),
}
_JSON_TYPES = ("str", "int", "float", "bool", "list", "dict", "NoneType")


def _not_an_object_texts() -> set[str]:
    template = serializers.Serializer.default_error_messages["invalid"]
    return {str(template).format(datatype=name) for name in _JSON_TYPES}


def _in_words(detail, not_an_object: set[str] | None = None):
    """DRF's error detail with the messages it writes untranslated or in Python's terms said in
    the user's language: a body of ``null`` (its one message written without translation,
    rest_framework/serializers.py), and an input of the wrong type (WRONG_TYPE_MESSAGES)."""
    if not_an_object is None:
        not_an_object = _not_an_object_texts()
    if isinstance(detail, dict):
        return {key: _in_words(value, not_an_object) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_in_words(value, not_an_object) for value in detail]
    code = getattr(detail, "code", None)
    if code == "null" and str(detail) == "No data provided":
        return exceptions.ErrorDetail(_("No data was sent."), code="null")
    if code in WRONG_TYPE_MESSAGES:
        return exceptions.ErrorDetail(WRONG_TYPE_MESSAGES[code], code=code)
    if code == "invalid" and str(detail) in not_an_object:
        return exceptions.ErrorDetail(WRONG_TYPE_MESSAGES["not_a_dict"], code=code)
    return detail


# --- fields every serializer uses -----------------------------------------------------------


class ChoiceField(serializers.ChoiceField):
    """DRF's choice field, refusing a list or an object in words: DRF's own message quotes the
    input as Python prints it (“['x']” 不是合法选项)."""

    default_error_messages = {"not_a_choice": _("Expected one of the choices, not a list or an object.")}

    def to_internal_value(self, data):
        if isinstance(data, (list, dict)):
            self.fail("not_a_choice")
        return super().to_internal_value(data)


class LabelledFieldsMixin:
    """Labels in the user's language for the fields a serializer declares itself.

    DRF labels a declared field without ``label`` with its English name ("Applicant phone").
    Such a field takes the label of the form field of its name in ``labels_from`` (the form the
    pages and the admin ask the same input with), and its help text when it has none of its
    own, else the label of the model field it reads: each input is worded in one place, and
    the browsable API's forms read as the pages do.
    """

    labels_from = None  # a django.forms.Form class

    def get_fields(self):
        fields = super().get_fields()
        form_fields = self.labels_from.base_fields if self.labels_from is not None else {}
        model = getattr(getattr(self, "Meta", None), "model", None)
        for name, field in fields.items():
            # A method field's source is "*": it reads the field of its own name, if any.
            source = name if field.source in (None, "*") else field.source
            if (form_field := form_fields.get(name)) is not None:
                if field.label is None:
                    field.label = capfirst(form_field.label)  # as DRF writes the model's labels
                if field.help_text is None and form_field.help_text:
                    field.help_text = form_field.help_text
            elif field.label is None and model is not None and (model_field := _model_field(model, source)) is not None:
                field.label = capfirst(model_field.verbose_name)
        return fields


def _model_field(model, source: str):
    """The model's own field ``source`` names; None for a property, a method, a path through a
    relation ("power.number") or a reverse relation (which has no label)."""
    try:
        field = model._meta.get_field(source)
    except FieldDoesNotExist:
        return None
    return None if field.auto_created and not field.concrete else field


class Serializer(LabelledFieldsMixin, serializers.Serializer):
    """DRF's serializer whose declared fields are labelled as ``labels_from`` labels them."""


class ModelSerializer(LabelledFieldsMixin, serializers.ModelSerializer):
    """DRF's model serializer with ``ChoiceField`` above for a model field's choices, and its
    declared fields labelled like the model's (``LabelledFieldsMixin``)."""

    serializer_choice_field = ChoiceField


# --- what the browsable API's pages say (settings.REST_FRAMEWORK's VIEW_*_FUNCTION) ------------

# A viewset's two pages, by the suffix its router gives them.
PAGE_TITLES_BY_SUFFIX = {"List": _("%(things)s: list"), "Instance": _("%(things)s: one record")}


def view_name(view) -> str:
    """The title of ``view``'s page, in the user's language: a step's own label (the ``name``
    its endpoint was given), else the view's ``api_title`` with the page it is; DRF's English
    name, made from the class name, only for a view that declares neither."""
    name = getattr(view, "name", None)
    if name is not None:
        return name
    title = getattr(view, "api_title", None)
    if title is None:
        return drf_views.get_view_name(view)
    template = PAGE_TITLES_BY_SUFFIX.get(getattr(view, "suffix", None))
    return template % {"things": title} if template is not None else title


def view_description(view, html: bool = False) -> str:
    """What ``view``'s page says under its title: its ``api_description``, in the user's
    language. Docstrings are written for developers, in English, and stay out of the page; a
    step's page (an endpoint with its own ``name``) is said by its title alone."""
    description = "" if getattr(view, "name", None) is not None else str(getattr(view, "api_description", ""))
    return formatting.markup_description(description) if html else description


class AutoSchema(openapi.AutoSchema):
    """The OpenAPI schema in the user's language: an operation is summed up by its page's title
    (``view_name``) and a GET described as its page is (``view_description``); docstrings stay
    out (DISABLE_DOCSTRING_DESCRIPTIONS)."""

    def get_summary(self):
        # view_name's own title (a step's label, a view's api_title), not DRF's from the class name.
        if getattr(self.view, "name", None) is None and getattr(self.view, "api_title", None) is None:
            return super().get_summary()
        return view_name(self.view)

    def get_description(self):
        # The view's line says what its list or record shows: a step or a registration (a POST
        # to the list) is said by its summary alone, not by the list's line.
        if self.method == "GET":
            return view_description(self.view) or super().get_description()
        return super().get_description()


class PolicyOpsAPIMixin:
    """Mix into every API view (before the DRF view class) to use ``exception_handler``."""

    def get_exception_handler(self):
        return exception_handler


# --- for the OpenAPI schema ------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    detail = serializers.CharField(help_text=_("What went wrong, in the user's language."))


class InputErrorSerializer(ErrorSerializer):
    field = serializers.CharField(allow_null=True, help_text=_("The input field at fault (dotted for nested ones)."))
    errors = serializers.DictField(required=False, help_text=_("Every message by field, when there are several."))



# --- the workflow kernel's API face ----------------------------------------------------------

UNKNOWN_ACTION = _("Unknown action.")


NOT_FOUND = {"case": _("No such case in the user's district."), "task": _("No such task in the user's district.")}
CONFLICT = {
    "case": _("Not possible in the case's current state, a condition is unmet, or someone else changed the case "
              "meanwhile."),
    "task": _("Not possible in the task's current state, a condition is unmet, or someone else changed the task "
              "meanwhile."),
}


def input_errors() -> dict:
    """The error responses of an endpoint that reads input, for the schema."""
    return {400: OpenApiResponse(InputErrorSerializer, description=_("Invalid input; ``field`` names the field.")),
            403: OpenApiResponse(ErrorSerializer, description=_("Not logged in, or not allowed."))}


def workflow_errors(noun: str) -> dict:
    """The error responses of a workflow endpoint, for the schema (``noun``: "case", "task")."""
    return {**input_errors(), 404: OpenApiResponse(ErrorSerializer, description=NOT_FOUND[noun]),
            409: OpenApiResponse(ErrorSerializer, description=CONFLICT[noun])}


class WorkflowViewSetMixin:
    """Detail and step endpoints of a model registered with policyops.workflow.

    The viewset provides ``get_workflow_object(lookup)`` (scoped to the user, 404 else) and
    ``detail_serializer_class``; ``as_of`` is today: clients cannot back-date a step. A view
    validates the body's shape and runs the step through ``workflow.perform`` (the
    service locks the row and refuses a stale copy); it never changes the object itself.
    """

    detail_serializer_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.today = timezone.localdate()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": getattr(self, "today", None) or timezone.localdate()}

    def workflow_detail(self, obj) -> dict:
        context = {**self.get_serializer_context(),
                   "allowed_transitions": workflow.ready_action_names(obj, self.request.user, as_of=self.today)}
        return self.detail_serializer_class(obj, context=context).data

    def run_workflow_action(self, request, lookup, action):
        obj = self.get_workflow_object(lookup)
        params = {}
        if action.serializer is not None:
            body = action.serializer(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            params = dict(body.validated_data)
        workflow.perform(obj, action.name, acting_user=request.user, as_of=self.today, **params)
        return Response(self.workflow_detail(self.get_workflow_object(lookup)))


class NoBodySerializer(serializers.Serializer):
    """The body of a step that reads none: the browsable API's form is its button alone."""


def workflow_endpoints(actions, *, detail_serializer, noun: str) -> dict:
    """One ``POST /<object>/<action.name>/`` endpoint per action, for a viewset's class body.

    Use as ``locals().update(workflow_endpoints(ACTIONS, ...))`` in a WorkflowViewSetMixin viewset.
    """

    def endpoint(action):
        def run(self, request, *args, **kwargs):
            return self.run_workflow_action(request, kwargs[self.lookup_url_kwarg or self.lookup_field], action)

        run.__name__ = action.name
        # The body's serializer is the endpoint's (DRF's per-action override): the browsable
        # API draws its form from it, and a step without a body gets a form of a button only.
        # Named by the step's label: the page's title and the menu of other endpoints (view_name).
        run = decorators.action(detail=True, methods=["post"], url_path=action.name,
                                url_name=action.name.replace("_", "-"), name=action.label,
                                serializer_class=action.serializer or NoBodySerializer)(run)
        # Outside @action, which replaces what extend_schema put on the function: applied
        # inside it, every step's schema was lost (a Case body, a Case answer).
        # Summed up by its label as its page is titled (AutoSchema); the service's docstring is
        # for developers.
        return extend_schema(
            request=action.serializer,
            responses={200: detail_serializer, **workflow_errors(noun)},
        )(run)

    return {action.name: endpoint(action) for action in actions}


class UnknownActionView(PolicyOpsAPIMixin, APIView):
    """/<object>/<anything else>/: a JSON 404 rather than Django's HTML page."""

    schema = None  # not part of the API
    api_title = _("Unknown step")

    def post(self, request, *args, **kwargs):
        raise NotFound(UNKNOWN_ACTION)

    get = put = patch = delete = post
