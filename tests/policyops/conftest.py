"""Fixtures the policy-task tests share: a clerk of a unit in 平度市."""
import pytest

from policyops.models import District
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory


@pytest.fixture
def pingdu(seeded):
    return District.objects.get(name="平度市")


@pytest.fixture
def unit(pingdu):
    return DepartmentFactory(name="平度市测试局", district=pingdu)


@pytest.fixture
def clerk(unit, pingdu):
    return make_user(Role.CLERK, district=pingdu, department=unit)
