"""Printable notices, the seal impression and the public status page."""
import hmac
import re

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import dateformat, timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from approvals import phones
from approvals.forms import StatusLookupForm
from approvals.models import ApprovalCase, ApprovalSeal, CaseNotice
from policyops import ratelimit, scoping
from policyops.models import Department

# --- Printable notices ----------------------------------------------------------------


def _issuing_authority(notice):
    if notice.seal_id:
        return notice.seal.entrustment.authority
    return (Department.objects.filter(district_id=notice.case.district_id,
                                      kind=Department.Kind.APPROVAL_AUTHORITY).order_by("id").first())


@login_required
def notice_print(request, pk):
    if not request.user.has_perm("approvals.view_approvalcase"):
        raise Http404  # as for a case of another district: nothing to see here
    notice = get_object_or_404(
        CaseNotice.objects.visible_to(request.user).select_related(
            "case", "case__power", "case__power__agency", "seal", "seal__entrustment__authority"),
        pk=pk)
    lines = [line.strip() for line in notice.body.splitlines() if line.strip()]
    title = lines.pop(0) if lines else notice.get_kind_display()
    if lines and lines[-1] == dateformat.format(notice.issued_on, "Y年n月j日"):
        lines.pop()  # the date goes under the signature
    return render(request, "approvals/notice_print.html", {
        "notice": notice, "case": notice.case, "title": title, "paragraphs": lines,
        "authority": _issuing_authority(notice), "seal": notice.seal,
    })


@require_GET
@login_required
@permission_required("approvals.view_approvalseal", raise_exception=True)
def seal_impression(request, pk):
    """The impression image, only to staff of the seal's district (every district for supervisors):
    a seal image on a public URL, or in another district's hands, invites forgery."""
    seals = ApprovalSeal.objects.all()
    if not scoping.sees_all_districts(request.user):
        seals = seals.filter(entrustment__authority__district_id=scoping.user_district_id(request.user))
    seal = get_object_or_404(seals, pk=pk)
    if not seal.impression:
        raise Http404
    handle = seal.impression.open("rb")
    head = handle.read(8)  # pragma: no mutate — only its first 4 bytes are compared (startswith below)
    handle.seek(0)
    content_type = "image/png" if head.startswith(b"\x89PNG") else "image/jpeg"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Public status page ---------------------------------------------------------------

# At most STATUS_LOOKUP_LIMIT lookups per client in STATUS_LOOKUP_WINDOW_SECONDS,
# successful or not: one client must not try the 4 digits one after another.
STATUS_LOOKUP_LIMIT = 10
STATUS_LOOKUP_WINDOW_SECONDS = 10 * 60
STATUS_RATE_SCOPE = "approvals:status-lookups"
# Many clients together must not either: after STATUS_FAILURES_PER_NUMBER wrong answers for
# one case number, that number answers nobody until the window (from the first wrong answer)
# ends. The secret has 10,000 values and a case is open about a month (20 working days
# plus corrections): 5 a day give a guesser under 2 % over that month; 5 an hour would give
# about a third. An applicant who mistypes 5 times asks the hall or waits a day.
STATUS_FAILURES_PER_NUMBER = 5
STATUS_FAILURE_WINDOW_SECONDS = 24 * 3600
STATUS_FAILURE_SCOPE = "approvals:status-failures"

PUBLIC_LANGUAGE = "zh-hans"  # the public page and the notices are in Chinese
# What the applicant reads for each state: plain words of the procedure, not the clerks' labels.
PUBLIC_STATE_LABELS = {
    ApprovalCase.State.SUBMITTED: "已收件，待受理",
    ApprovalCase.State.CORRECTION_REQUESTED: "需补正材料（请按补正材料通知书补正）",
    ApprovalCase.State.RESUBMITTED: "已补正，待受理",
    ApprovalCase.State.REFUSED: "不予受理",
    ApprovalCase.State.ACCEPTED: "已受理",
    ApprovalCase.State.UNDER_REVIEW: "审查中",
    ApprovalCase.State.PAUSED: "特别程序中（所需时间不计入办理期限）",
    ApprovalCase.State.APPROVED: "准予许可，待发证",
    ApprovalCase.State.DENIED: "不予许可",
    ApprovalCase.State.FORWARDED: "初审完成，已报送决定机关",
    ApprovalCase.State.CLOSED: "已办结",
    ApprovalCase.State.WITHDRAWN: "已撤回",
}
STATUS_NOT_FOUND = "未查询到与该案件编号和联系电话相符的案件，请核对后重试。"
STATUS_TOO_MANY = "查询过于频繁，请10分钟后再试。"
# Said alike for every number, existing or not; never whether the last answer was right.
STATUS_NUMBER_LOCKED = "该案件编号的查询错误次数过多，已暂停查询，请于{retry_at}后再试。如有急事，请联系受理窗口。"
# Compared when the number does not exist, so that a wrong number costs what a wrong answer costs.
NO_SUCH_PHONE = "00000000000"


def _phone_matches(phone: str, last4: str) -> bool:
    well_formed = re.fullmatch(r"[0-9]{4}", last4 or "") is not None
    candidate = (last4 if well_formed else "----").encode()
    return hmac.compare_digest(phones.ascii_digits(phone)[-4:].encode(), candidate) and well_formed


def _locked_message(window, now):
    retry_at = timezone.localtime(max(window.ends_at, now))
    return STATUS_NUMBER_LOCKED.format(retry_at=dateformat.format(retry_at, "n月j日 H:i"))


@never_cache
@require_http_methods(["GET", "POST"])
def public_status(request):
    context = {"result": None, "error": None}
    if request.method != "POST":
        context["form"] = StatusLookupForm()
        return render(request, "approvals/public_status.html", context)
    now = timezone.now()
    form = StatusLookupForm(request.POST)
    context["form"] = form
    if ratelimit.over_limit(request, STATUS_RATE_SCOPE, limit=STATUS_LOOKUP_LIMIT,
                            window_seconds=STATUS_LOOKUP_WINDOW_SECONDS):
        context["error"] = STATUS_TOO_MANY
        return render(request, "approvals/public_status.html", context, status=429)
    form.is_valid()
    number = form.cleaned_data.get("number")
    if not number:
        context["error"] = STATUS_NOT_FOUND
        return render(request, "approvals/public_status.html", context)
    failures = ratelimit.current(STATUS_FAILURE_SCOPE, number, now=now)
    if failures.count >= STATUS_FAILURES_PER_NUMBER:  # even for the right answer: the lock holds
        context["error"] = _locked_message(failures, now)
        return render(request, "approvals/public_status.html", context, status=429)
    case = ApprovalCase.objects.filter(number=number).select_related("power").first()
    last4 = form.cleaned_data.get("phone_last4", "")
    if _phone_matches(case.applicant_phone if case else NO_SUCH_PHONE, last4) and case is not None:
        context["result"] = _public_result(case)
        context["form"] = StatusLookupForm()
    else:
        ratelimit.count(STATUS_FAILURE_SCOPE, number, window_seconds=STATUS_FAILURE_WINDOW_SECONDS, now=now)
        context["error"] = STATUS_NOT_FOUND
    return render(request, "approvals/public_status.html", context)


def _public_result(case):
    """What the applicant needs: which application, where it stands, by when it is decided."""
    state = PUBLIC_STATE_LABELS.get(case.state)
    if state is None:
        with translation.override(PUBLIC_LANGUAGE):
            state = str(case.get_state_display())
    return {"number": case.number, "power": case.power.name, "state": state, "due_on": case.due_on}
