"""Demo part of the approvals app: entrustments in force and ~40 cases in every state.

Register it with ``policyops.demo.register(build_approvals_demo)``. Everything is created
through approvals.services (seals have no service: they are created as the test
factories do), so the clocks, notices, seal uses and audit rows are the real ones.
Synthetic text is marked 演示. Running it twice changes nothing.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from approvals import rules, services
from approvals.models import (
    ApprovalCase,
    ApprovalSeal,
    AuthorityHead,
    DelegatedPower,
    Entrustment,
    PowerMaterial,
)
from policyops.calendar import add_working_days, is_working_day
from policyops.demo import DEMO_SOURCE
from policyops.models import Department, District, ServiceHall

DEMO_POWER_NUMBERS = (1, 3, 7, 16, 28, 39)
# Investment projects (annex #1, #2): an out-of-scope demo application crosses Pingdu's border.
PROJECT_POWER_NUMBERS = (1, 2)
AUTHORITY_NAME = "平度市行政审批机关"
DISTRICT_NAME = "平度市"
MARK = "（演示）"

# Dates of the entrustments: decree 第264号 was published 2018-08-30 and took effect 2018-10-08.
SIGNED_ON = dt.date(2018, 9, 20)
FILED_ON = dt.date(2018, 9, 26)
SEAL_ISSUED_ON = dt.date(2018, 9, 28)
PERIOD_START = dt.date(2018, 10, 8)
PERIOD_END = dt.date(2030, 12, 31)

MATERIALS = {
    1: ["项目核准申请报告", "企业营业执照副本复印件", "项目用地预审意见", "节能审查意见"],
    3: ["成品油零售经营批准证书变更申请表", "新址土地使用证明", "消防验收意见", "安全评价报告"],
    7: ["民办学校变更名称申请书", "举办者同意变更的决议", "办学许可证副本"],
    16: ["律师事务所变更合伙人申请表", "合伙协议修正案", "新合伙人律师执业证复印件"],
    28: ["医师执业注册申请审核表", "医师资格证书", "身份证明", "近6个月健康体检证明"],
    39: ["设置医疗机构申请书", "设置可行性研究报告", "选址报告和建筑设计平面图"],
}
# The sources list no materials: a few generic checklist items for the registration page's demo.
DEMO_CHECKLISTS = {n: ["申请书", "申请人身份证明", "授权委托书（委托他人办理时）"] for n in (3, 7, 28)}
COMPANY_WORDS = ["蓝海", "胶东", "云山", "大泽", "同和", "新河", "明村", "仁兆", "南村", "凤台"]
COMPANY_KINDS = {1: "机械制造有限公司", 3: "石油销售有限公司", 7: "职业学校", 16: "律师事务所", 39: "诊所"}
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["晓明", "建华", "海燕", "志强", "丽娟", "国庆", "春梅", "立新"]

# (scenario, how many) — the end state each demo case is driven to.
SCENARIOS = [
    ("submitted", 5), ("correction", 3), ("resubmitted", 2), ("refused", 3), ("accepted", 4),
    ("under_review", 9), ("paused", 3), ("resumed", 2), ("approved", 3), ("closed", 4), ("denied", 1),
    ("withdrawn", 1),
]
PRELIMINARY_SCENARIOS = [("forwarded", 1), ("superior_decided", 1)]


def _pick_received_on(rng, today, lo, hi) -> dt.date:
    day = today - dt.timedelta(days=rng.randint(lo, hi))
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _ensure_entrustment(agency, authority, powers, supervisor):
    existing = Entrustment.objects.filter(agency=agency, authority=authority).first()
    if existing is not None:
        existing.powers.add(*powers)
        return existing, False
    entrustment = Entrustment.objects.create(
        agency=agency, authority=authority,
        entrusted_content=f"委托{authority.name}在平度市行政区域内实施附件所列行政审批事项{MARK}。",
        management_requirements=f"严格按照法定条件、标准和程序办理，不得再委托{MARK}。",
        workflow=f"受理、审查、决定、送达，全程网上留痕{MARK}。",
        period_start=PERIOD_START, period_end=PERIOD_END,
        legal_liability=f"{agency.name}对委托实施的行为负责监督，并对该行为的后果承担法律责任{MARK}。",
        signed_on=SIGNED_ON, filed_with_reform_office_on=FILED_ON, filed_with_legal_office_on=FILED_ON)
    entrustment.powers.set(powers)
    services.entrustment_transition(entrustment=entrustment, action="sign", acting_user=supervisor)
    services.entrustment_transition(entrustment=entrustment, action="file", acting_user=supervisor)
    ApprovalSeal.objects.create(entrustment=entrustment, name=f"{agency.name}行政审批专用章（平度）{MARK}",
                                issued_on=SEAL_ISSUED_ON)
    services.entrustment_transition(entrustment=entrustment, action="bring_into_force", acting_user=supervisor)
    return entrustment, True


def _ensure_authority_head(authority, users) -> None:
    """director_pingdu heads 平度市行政审批机关: the one who approves extensions (Art. 42)."""
    user = users.get("director_pingdu")
    person = getattr(user, "person", None) if user is not None else None
    if person is not None:
        AuthorityHead.objects.get_or_create(authority=authority, defaults={"person": person})


def _ensure_checklists() -> None:
    for power in DelegatedPower.objects.filter(number__in=DEMO_CHECKLISTS):
        for order, name in enumerate(DEMO_CHECKLISTS[power.number], start=1):
            PowerMaterial.objects.get_or_create(power=power, name=name, defaults={"order": order})


def _applicant(rng, power):
    if power.number == 28:
        return f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{MARK}", ApprovalCase.ApplicantType.PERSON
    kind = COMPANY_KINDS.get(power.number, "有限公司")
    return f"平度市{rng.choice(COMPANY_WORDS)}{kind}{MARK}", ApprovalCase.ApplicantType.ORGANISATION


def _scope_facts(rng, power, *, outside_scope: bool) -> dict:
    rule = power.scope_rule
    if rule == rules.ScopeRule.PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL:
        return {"school_type": rules.SchoolType.OTHER if outside_scope else rng.choice(
            [rules.SchoolType.PRIVATE_GENERAL_HIGH_SCHOOL, rules.SchoolType.SECONDARY_VOCATIONAL_SCHOOL])}
    if rule in (rules.ScopeRule.NOT_TERTIARY_PRACTITIONER, rules.ScopeRule.NOT_TERTIARY_HOSPITAL):
        return {"hospital_grade": rules.HospitalGrade.TERTIARY if outside_scope else rng.choice(
            [rules.HospitalGrade.PRIMARY, rules.HospitalGrade.SECONDARY])}
    if power.number in PROJECT_POWER_NUMBERS:
        return {"cross_regional": outside_scope}
    return {"inside_pingdu": not outside_scope}


class _Run:
    """One demo run: the acting users, the hall, and the date helpers bound to ``today``."""

    def __init__(self, rng, users, today):
        self.rng, self.today = rng, today
        self.clerk, self.assigner = users["clerk_pingdu"], users["supervisor"]
        self.first_contact = self.clerk.person
        district = District.objects.get(name=DISTRICT_NAME)
        self.hall = (ServiceHall.objects.filter(district=district, kind=ServiceHall.Kind.DISTRICT_HALL).first()
                     or ServiceHall.objects.filter(district=district).first())
        self.licences = 0

    def later(self, day, lo, hi) -> dt.date:
        return min(add_working_days(day, self.rng.randint(lo, hi)), self.today)

    def register(self, power, received_on, *, missing=0, outside_scope=False):
        name, applicant_type = _applicant(self.rng, power)
        items = MATERIALS.get(power.number, ["申请书", "营业执照副本复印件"])
        materials = [(item, i < len(items) - missing) for i, item in enumerate(items)]
        return services.case_register(
            power=power, applicant_name=name, applicant_type=applicant_type,
            applicant_phone=f"1{self.rng.choice('3589')}{self.rng.randint(0, 999_999_999):09d}",
            received_hall=self.hall, first_contact=self.first_contact, received_on=received_on,
            materials=materials, acting_user=self.clerk, **_scope_facts(self.rng, power, outside_scope=outside_scope))

    def under_review(self, case, on):
        services.case_accept(case=case, acting_user=self.clerk, as_of=on)
        services.case_assign(cases=[case], handler=self.first_contact, acting_user=self.assigner)
        services.case_start_review(case=case, acting_user=self.clerk, as_of=on)
        return on

    def drive(self, scenario, power):
        rng, clerk, today = self.rng, self.clerk, self.today
        recent = scenario in ("submitted", "correction", "resubmitted", "refused", "accepted")
        received = _pick_received_on(rng, today, 0, 6) if recent else _pick_received_on(rng, today, 8, 40)
        if scenario in ("correction", "resubmitted"):
            case = self.register(power, received, missing=rng.randint(1, 2))
            asked = self.later(received, 1, 3)
            services.case_request_correction(case=case, acting_user=clerk, as_of=asked)
            if scenario == "resubmitted":
                services.case_resubmit(case=case, acting_user=clerk, as_of=self.later(asked, 1, 3))
            return case
        case = self.register(power, received, outside_scope=scenario == "refused")
        if scenario == "submitted":
            return case
        if scenario == "refused":
            services.case_refuse(case=case, acting_user=clerk, as_of=self.later(received, 0, 2))
            return case
        if scenario == "accepted":
            services.case_accept(case=case, acting_user=clerk, as_of=received)
            return case
        started = self.under_review(case, received)
        if scenario == "under_review":
            return case
        if scenario in ("paused", "resumed"):
            paused = self.later(started, 2, 6)
            services.case_pause(case=case, acting_user=clerk, as_of=paused,
                                ground=rng.choice(["expert_review", "testing", "appraisal"]),
                                expected_days=rng.randint(5, 10), note=f"等待检测报告{MARK}")
            if scenario == "resumed":
                services.case_resume(case=case, acting_user=clerk, as_of=self.later(paused, 2, 5))
            return case
        if scenario == "withdrawn":
            services.case_withdraw(case=case, acting_user=clerk, as_of=self.later(started, 1, 4),
                                   reason=f"申请人主动撤回申请{MARK}")
            return case
        decided = self.later(started, 3, 12)
        if scenario in ("forwarded", "superior_decided"):
            services.case_forward(case=case, acting_user=clerk, as_of=decided, reason=f"初审意见：同意{MARK}")
            if scenario == "superior_decided":
                services.case_record_superior_decision(
                    case=case, acting_user=clerk, as_of=self.later(decided, 2, 6), decision="approved",
                    document=f"演示青司许〔{decided.year}〕{rng.randint(1, 99)}号")
            return case
        if scenario == "denied":
            services.case_deny(case=case, acting_user=clerk, as_of=decided,
                               reason=f"经现场核查，申请人不符合法定条件{MARK}")
            return case
        services.case_approve(case=case, acting_user=clerk, as_of=decided, reason=f"符合法定条件、标准{MARK}")
        if scenario == "closed":
            self.licences += 1
            services.case_issue_licence(case=case, acting_user=clerk, as_of=self.later(decided, 1, 5),
                                        licence_number=f"演示平审许〔{decided.year}〕{self.licences:04d}号")
        return case


def build_approvals_demo(rng, users, log, today: dt.date | None = None) -> None:
    """Entrustments in force for powers 1, 3, 7, 16, 28, 39 and ~40 cases received lately."""
    today = today or timezone.localdate()
    _ensure_checklists()
    if ApprovalCase.objects.exists():
        authority = Department.objects.filter(name=AUTHORITY_NAME).first()
        if authority is not None:
            _ensure_authority_head(authority, users)
        log("Approvals: cases exist already; demo cases skipped.")
        return
    powers = list(DelegatedPower.objects.filter(number__in=DEMO_POWER_NUMBERS).select_related("agency"))
    if not powers:
        log("Approvals: the delegated powers are not loaded (run load_seeds); demo skipped.")
        return
    with transaction.atomic():
        district = District.objects.get(name=DISTRICT_NAME)
        authority, _created = Department.objects.get_or_create(
            name=AUTHORITY_NAME, defaults={"district": district, "kind": Department.Kind.APPROVAL_AUTHORITY,
                                           "source": DEMO_SOURCE})
        _ensure_authority_head(authority, users)
        by_agency = defaultdict(list)
        for power in powers:
            by_agency[power.agency].append(power)
        created = sum(_ensure_entrustment(agency, authority, agency_powers, users["supervisor"])[1]
                      for agency, agency_powers in by_agency.items())
    # Each step runs through its service in its own durable transaction, as a clerk's would.
    run = _Run(rng, users, today)
    preliminary = [p for p in powers if p.is_preliminary_review]
    decided_here = [p for p in powers if not p.is_preliminary_review]
    count = 0
    for scenario, n in SCENARIOS:
        for _i in range(n):
            run.drive(scenario, rng.choice(decided_here))
            count += 1
    for scenario, n in PRELIMINARY_SCENARIOS:
        for _i in range(n):
            if preliminary:
                run.drive(scenario, rng.choice(preliminary))
                count += 1
    # A few more preliminary reviews still in progress, so the 初审 power shows up in the lists.
    for _i in range(2 if preliminary else 0):
        run.drive("under_review", rng.choice(preliminary))
        count += 1
    log(f"Approvals: {created} entrustment(s) brought into force, {count} demo cases registered.")
