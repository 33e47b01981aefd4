import pytest

from policyops.roles import Role
from tests.conftest import make_user
from tests.halls.factories import DirectorFactory, HallFactory


@pytest.fixture
def hall(db):
    """A hall of 平度市 open 09:00-17:00 with two directors a day at most."""
    return HallFactory(name="测试审批服务大厅")


def make_director(hall, name, department_name="市教育局", *, with_user=True):
    return DirectorFactory(hall=hall, name=name, department_name=department_name, with_user=with_user)


@pytest.fixture
def rota_manager(db):
    return make_user(Role.SUPERVISOR)


@pytest.fixture
def clock(monkeypatch):
    """Freeze the wall clock the views read (timezone.now and, through it, localdate)."""
    def freeze(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return moment

    return freeze
