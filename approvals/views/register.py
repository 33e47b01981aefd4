"""Registering an application at the counter (services.case_register), outside the admin."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from approvals import services
from approvals.forms import (
    FIRST_CONTACT_SEARCH_FIELDS,
    CaseRegisterPageForm,
    PowerChoiceForm,
    first_contact_choices,
)
from approvals.views.common import case_url
from policyops.errors import PolicyOpsError
from policyops.forms import searched_choices

# The service's field names for what the page asks under another name.
SERVICE_FIELDS = {"materials": "materials_provided", "power": None}


@login_required
@permission_required("approvals.process_case", raise_exception=True)
def case_register(request):
    """Step 1 (GET, no power): choose the power. Step 2 (?power=…): the application, its checklist, POST."""
    chooser = PowerChoiceForm(request.GET if "power" in request.GET else None)
    if not chooser.is_bound or not chooser.is_valid():
        return render(request, "approvals/case_register.html", {"chooser": chooser, "form": None})
    power = chooser.cleaned_data["power"]
    posted = request.method == "POST"
    form = CaseRegisterPageForm(request.POST if posted else None, user=request.user, power=power)
    if posted and form.is_valid():
        try:
            case = services.case_register(acting_user=request.user, **form.service_kwargs())
        except PolicyOpsError as exc:
            field = SERVICE_FIELDS.get(exc.field, exc.field)
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Case %(number)s registered.") % {"number": case.number})
            return redirect(case_url(case))
    # A search for the first contact without JavaScript posts the form too: not a refusal.
    refused = posted and form.searched_field is None
    return render(request, "approvals/case_register.html", {"chooser": chooser, "form": form, "power": power},
                  status=400 if refused else 200)


@login_required
@permission_required("approvals.process_case", raise_exception=True)
@require_GET
def first_contact_search(request):
    """The first-contact select's search (policyops.forms.SearchedSelect): who the register form
    would accept, found by part of a name or a department."""
    return searched_choices(first_contact_choices(request.user).order_by("name", "pk"), request.GET.get("q", ""),
                            fields=FIRST_CONTACT_SEARCH_FIELDS)
