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
def migrate_to(transactional_db):
    """``migrate_to(targets)``: the database migrated to ``targets``, and the apps as they were
    then; back to the latest migrations afterwards."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
