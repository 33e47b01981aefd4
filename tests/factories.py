import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from policyops.models import (
    Department,
    District,
    Indicator,
    IndicatorReading,
    Person,
    PolicyDocument,
    PolicyTask,
    ServiceHall,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试区{n}")
    position = factory.Sequence(lambda n: n)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试局{n}")
    kind = Department.Kind.RESPONSIBLE_UNIT


class ServiceHallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceHall

    name = factory.Sequence(lambda n: f"测试大厅{n}")
    kind = ServiceHall.Kind.DISTRICT_HALL
    district = factory.SubFactory(DistrictFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"测试人员{n}")


class PolicyDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyDocument

    number = factory.Sequence(lambda n: f"测政发〔2018〕{n}号")
    title = factory.Sequence(lambda n: f"测试文件{n}")
    issued_on = dt.date(2018, 8, 21)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    document = factory.SubFactory(PolicyDocumentFactory)
    name = factory.Sequence(lambda n: f"指标{n}")
    unit = "件"
    baseline_year = 2017
    baseline_value = Decimal("100")
    target_year = 2022
    comparator = ">="
    target_value = Decimal("200")


class IndicatorReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorReading

    indicator = factory.SubFactory(IndicatorFactory)
    period_end = factory.Sequence(lambda n: dt.date(2018, 1, 1) + dt.timedelta(days=n))
    value = Decimal("150")


class PolicyTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyTask

    document = factory.SubFactory(PolicyDocumentFactory)
    number = factory.Sequence(lambda n: str(n))
    text = "完成测试任务。"
    lead_unit = factory.SubFactory(DepartmentFactory)
    source = factory.Sequence(lambda n: f"test:{n}")
