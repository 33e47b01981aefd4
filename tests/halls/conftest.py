import datetime as dt

import pytest

from policyops.models import Department, District, Person, ServiceHall
from policyops.roles import Role
from programs.halls.models import Director, HallSettings
from tests.conftest import make_user


@pytest.fixture
def hall(db):
    district = District.objects.get_or_create(name="平度市", defaults={"position": 4})[0]
    hall = ServiceHall.objects.create(name="测试审批服务大厅", kind=ServiceHall.Kind.DISTRICT_HALL, district=district)
    HallSettings.objects.create(hall=hall, opens_at=dt.time(9, 0), closes_at=dt.time(17, 0), daily_capacity=2)
    return hall


def make_director(hall, name, department_name="市教育局", *, with_user=True):
    department = Department.objects.get_or_create(name=department_name)[0]
    user = make_user(Role.DIRECTOR, department=department, username=f"dir-{name}") if with_user else None
    person = Person.objects.get(user=user) if user else Person.objects.create(name=name, department=department)
    person.name = name
    person.save()
    return Director.objects.create(person=person, hall=hall)


@pytest.fixture
def rota_manager(db):
    return make_user(Role.SUPERVISOR)
