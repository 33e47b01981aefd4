"""The benchmark data set's notices and history records (approvals.benchmarks) are the ones the services write.

The data set stands in for years of real use, so a page that reads notices meets a table of
the right size and make-up (issue 12); if the services' notices change, these tests say so.
"""
import datetime as dt

import pytest

from approvals import benchmarks, services
from approvals.models import ApprovalCase, CaseNotice
from policyops.benchmarking import Context
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
D = dt.date
S = ApprovalCase.State
K = CaseNotice.Kind


def _approved(case, clerk, head):
    on = D(2024, 9, 27)
    services.case_accept(case=case, acting_user=clerk, as_of=on)
    services.case_assign(cases=[case], handler=clerk.person, acting_user=head)
    services.case_start_review(case=case, acting_user=clerk, as_of=on)
    services.case_approve(case=case, acting_user=clerk, as_of=D(2024, 10, 21))


def _build_notices():
    benchmarks.build_notices(Context(scale=100, repeat=1, log=lambda line: None))


def test_an_approved_case_has_the_notices_the_services_issue_on_the_way(power, entrustment, clerk, head):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    _approved(case, clerk, head)
    issued = sorted((n.kind, n.seal_id is not None) for n in case.notices.all())
    planned = sorted((kind, kind in benchmarks.SEALED_NOTICES) for kind in benchmarks.NOTICES_TO[S.APPROVED])
    assert issued == planned


def test_the_data_set_gives_a_case_without_notices_those_of_its_state(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    ApprovalCase.objects.filter(pk=case.pk).update(state=S.CLOSED, accepted_on=D(2024, 9, 27),
                                                   approved_on=D(2024, 10, 21))
    _build_notices()
    notices = {n.kind: n for n in case.notices.all()}
    assert set(notices) == {K.ACCEPTANCE, K.APPROVAL}
    assert notices[K.APPROVAL].issued_on == D(2024, 10, 21) and notices[K.ACCEPTANCE].issued_on == D(2024, 9, 27)
    assert notices[K.APPROVAL].seal == entrustment.seals.get()
    assert case.number in notices[K.APPROVAL].body


def test_the_services_number_their_next_notice_after_the_data_sets(power, entrustment, clerk, head):
    earlier = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    ApprovalCase.objects.filter(pk=earlier.pk).update(state=S.ACCEPTED, accepted_on=D(2024, 9, 27))
    _build_notices()
    built = earlier.notices.get(kind=K.ACCEPTANCE)
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    assert built.number == "平审受〔2024〕000001号"
    assert case.notices.get(kind=K.ACCEPTANCE).number == "平审受〔2024〕000002号"


def test_a_case_the_demo_gave_notices_gets_no_more(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    _build_notices()
    assert case.notices.count() == 1


def test_a_paused_cases_special_procedure_notice_is_dated_when_the_data_set_paused_it(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    ApprovalCase.objects.filter(pk=case.pk).update(state=S.PAUSED, accepted_on=D(2024, 9, 27))
    _build_notices()
    # Three working days after the acceptance: Sunday 29 September worked, then National Day.
    assert case.notices.get(kind=K.SUSPENSION).issued_on == D(2024, 10, 8)
    assert case.notices.get(kind=K.ACCEPTANCE).issued_on == D(2024, 9, 27)


def test_the_print_scenario_prints_a_notice_though_newer_cases_were_approved_by_bare_sql(power, entrustment, clerk,
                                                                                         head):
    decided = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    _approved(decided, clerk, head)
    bare = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    ApprovalCase.objects.filter(pk=bare.pk).update(state=S.APPROVED)  # as the transitions' counterpart leaves it
    notice = decided.notices.get(kind=K.APPROVAL)
    assert benchmarks._newest_notice_print() == f"/approvals/notices/{notice.pk}/print/"
    assert benchmarks._newest_approved_case_page() == f"/approvals/cases/{decided.pk}/"


def test_the_data_sets_history_records_are_a_registration_and_the_step_to_the_state(power, entrustment, clerk):
    # Like the audit rows beside them (issue 12: a step writes into, and a case's history page reads,
    # a history table of millions of rows).
    from policyops.importing.writing import insert_rows

    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    ApprovalCase.objects.filter(pk=case.pk).update(state=S.ACCEPTED, accepted_on=D(2024, 9, 27))
    case.refresh_from_db()
    history = ApprovalCase.history.model
    history.objects.filter(id=case.pk).delete()  # the service's own record: only the data set's are read
    insert_rows(history, benchmarks._history_rows([case], clerk.pk))
    records = list(history.objects.filter(id=case.pk).order_by("history_date"))
    assert [(r.history_type, r.state) for r in records] == [("+", S.SUBMITTED), ("~", S.ACCEPTED)]
    assert [r.number for r in records] == [case.number] * 2 and records[0].history_user_id == clerk.pk
