"""Reminder sweeps of delegated approvals (lead times in settings.POLICYOPS_REMINDERS)."""
import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _


from approvals.models import ApprovalCase, Entrustment
from policyops.calendar import add_working_days, working_days_between
from policyops.notifications import NotificationBatch
from policyops.recipients import role_members, role_members_by_district
from policyops.reminders import lead_threshold
from policyops.roles import Role


def _responsible(case):
    """The handler (承办人), else the first-contact person (首问责任人)."""
    person = case.handler or case.first_contact
    return [person.user] if person and person.user_id else []


def _url(case):
    return reverse("admin:approvals_approvalcase_change", args=[case.pk])


def sweep_cases(*, today: dt.date, now: dt.datetime) -> int:
    lead = settings.POLICYOPS_REMINDERS
    S = ApprovalCase.State
    cases = list(ApprovalCase.objects.open().select_related(
        "power", "handler__user", "first_contact__user").prefetch_related("suspensions"))
    supervisors = role_members(Role.SUPERVISOR)
    heads = role_members_by_district(Role.DIRECTOR)
    batch = NotificationBatch(now=now)

    def send(case, recipients, kind, due, subject):
        batch.add(recipients=recipients, kind=kind, obj=case, due_date=due, subject=subject,
                          body=f"{case.power.name}\n{case.applicant_name}", url=_url(case))

    for case in cases:
        # Correction notice not yet sent from day 4 of the 5-day limit (Art. 32), once.
        if case.state == S.SUBMITTED and case.correction_due_on and today <= case.correction_due_on \
                and working_days_between(case.received_on, today) >= lead["case_correction_day"]:
            send(case, _responsible(case), "case.correction_window", case.correction_due_on, _(
                "%(case)s: the correction notice must be sent by %(due)s, or the case counts as accepted")
                % {"case": case, "due": case.correction_due_on})
        # Promised and legal decision deadlines ahead and on the day.
        if case.state in (S.ACCEPTED, S.UNDER_REVIEW) or (case.state == S.SUBMITTED and case.legal_due_on):
            for label, due in (("promised", case.promised_due_on), ("legal", case.legal_due_on)):
                left = working_days_between(today, due) if due and due >= today else None
                threshold = None if left is None else lead_threshold(left, lead["case_decision_days_ahead"])
                if threshold is not None:
                    send(case, _responsible(case), f"case.{label}_due_in_{threshold}", due, _(
                        "%(case)s: %(which)s deadline %(due)s (%(left)s working days left)")
                        % {"case": case, "which": _("promised") if label == "promised" else _("legal"),
                           "due": due, "left": left})
        # Overdue: escalated daily to the supervisors and the head of the authority.
        if case.due_on and case.due_on < today:
            send(case, [*supervisors, *heads.get(case.district_id, []), *_responsible(case)], "case.overdue", today,
                 _("Overdue since %(due)s: %(case)s") % {"case": case, "due": case.due_on})
        # Licence not issued 2 working days before its 10-day limit (Art. 44), or later: once.
        if case.state == S.APPROVED and case.licence_due_on and case.licence_due_on >= today and \
                lead_threshold(working_days_between(today, case.licence_due_on),
                               [lead["case_licence_days_ahead"]]) is not None:
            send(case, _responsible(case), "case.licence_due", case.licence_due_on,
                 _("%(case)s: issue the licence by %(due)s") % {"case": case, "due": case.licence_due_on})
        # A pause whose announced length has run out (Art. 45).
        if case.state == S.PAUSED:
            for s in case.suspensions.all():
                if s.end is None:
                    expected_end = add_working_days(s.start, s.expected_days)
                    if expected_end < today:
                        send(case, _responsible(case), "case.pause_over", expected_end, _(
                            "%(case)s: the announced pause ended on %(end)s; resume the clock or tell the applicant")
                            % {"case": case, "end": expected_end})
    return batch.save()


def sweep_entrustments(*, today: dt.date, now: dt.datetime) -> int:
    horizon = today + dt.timedelta(days=settings.POLICYOPS_REMINDERS["entrustment_calendar_days_ahead"])
    supervisors = role_members(Role.SUPERVISOR)
    batch = NotificationBatch(now=now)
    for entrustment in Entrustment.objects.filter(state=Entrustment.State.IN_FORCE, period_end__gte=today,
                                                  period_end__lte=horizon).select_related("agency", "authority"):
        batch.add(recipients=supervisors, kind="entrustment.ending", obj=entrustment,
                          due_date=entrustment.period_end,
                          subject=_("%(entrustment)s ends on %(end)s") % {"entrustment": entrustment,
                                                                          "end": entrustment.period_end},
                          url=reverse("admin:approvals_entrustment_change", args=[entrustment.pk]))
    return batch.save()



