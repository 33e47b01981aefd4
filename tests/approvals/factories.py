import datetime as dt

import factory

from approvals import services
from approvals.models import ApprovalSeal, DelegatedPower, Entrustment
from policyops.models import Department, District, Person, ServiceHall


def pingdu():
    return District.objects.get_or_create(name="平度市", defaults={"position": 4})[0]


def pingdu_authority():
    return Department.objects.get_or_create(
        name="平度市行政审批机关", defaults={"district": pingdu(), "kind": Department.Kind.APPROVAL_AUTHORITY})[0]


def pingdu_hall():
    return ServiceHall.objects.get_or_create(
        name="平度市审批服务大厅", defaults={"kind": ServiceHall.Kind.DISTRICT_HALL, "district": pingdu()})[0]


class DelegatedPowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DelegatedPower
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: 100 + n)
    agency = factory.LazyFunction(lambda: Department.objects.get_or_create(
        name="市测试委", defaults={"kind": Department.Kind.AGENCY})[0])
    name = factory.LazyAttribute(lambda o: f"测试许可事项{o.number}（变更）")
    item = factory.LazyAttribute(lambda o: f"测试许可事项{o.number}")
    sub_item = "变更"


class EntrustmentFactory(factory.django.DjangoModelFactory):
    """An entrustment already in force (state set as the migration-free way: through transitions)."""

    class Meta:
        model = Entrustment

    agency = factory.LazyFunction(lambda: Department.objects.get_or_create(
        name="市测试委", defaults={"kind": Department.Kind.AGENCY})[0])
    authority = factory.LazyFunction(pingdu_authority)
    entrusted_content = "委托平度市行政审批机关实施附件所列事项。"
    management_requirements = "按照法定条件和程序办理。"
    workflow = "受理、审查、决定、送达。"
    period_start = dt.date(2018, 10, 8)
    period_end = dt.date(2030, 12, 31)
    legal_liability = "平度市承担因实施委托事项产生的法律责任。"


def entrustment_in_force(powers, *, supervisor, agency=None, seal_issued_on=dt.date(2018, 9, 20)):
    """Sign, file, seal and bring into force an entrustment over ``powers`` via the services."""
    entrustment = EntrustmentFactory(agency=agency or powers[0].agency, signed_on=dt.date(2018, 9, 20),
                                     filed_with_reform_office_on=dt.date(2018, 9, 25),
                                     filed_with_legal_office_on=dt.date(2018, 9, 25))
    entrustment.powers.set(powers)
    services.entrustment_transition(entrustment=entrustment, action="sign", acting_user=supervisor)
    services.entrustment_transition(entrustment=entrustment, action="file", acting_user=supervisor)
    ApprovalSeal.objects.create(entrustment=entrustment, name=f"{entrustment.agency.name}行政审批专用章（平度）",
                                issued_on=seal_issued_on)
    services.entrustment_transition(entrustment=entrustment, action="bring_into_force", acting_user=supervisor)
    return entrustment


def register_case(power, *, clerk, received_on=dt.date(2024, 9, 27), materials=(("申请书", True),),
                  applicant_phone="0532-88881234", **facts):
    first_contact = Person.objects.get(user=clerk)
    return services.case_register(
        power=power, applicant_name="青岛测试有限公司", applicant_type="organisation",
        applicant_phone=applicant_phone, received_hall=pingdu_hall(), first_contact=first_contact,
        received_on=received_on, materials=list(materials), acting_user=clerk, **facts)
