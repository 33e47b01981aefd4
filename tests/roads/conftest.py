import pytest

from policyops.models import District
from policyops.roles import Role
from tests.conftest import make_user


@pytest.fixture
def no_programme_data(seeded):
    """The seeded database without the road programme's tables (targets, phases, subsidy
    rates and parameters): what the pages show before any programme data is entered.
    Deleted inside the test's transaction, so the next test has them again."""
    from programs.roads.models import ProgrammePhase, RoadTarget, SubsidyParameter, SubsidyRate

    for model in (RoadTarget, ProgrammePhase, SubsidyRate, SubsidyParameter):
        model.objects.all().delete()


@pytest.fixture
def pingdu(seeded):
    return District.objects.get(name="平度市")


@pytest.fixture
def manager(pingdu):
    """A programme manager of 平度市."""
    return make_user(Role.PROGRAMME_MANAGER, district=pingdu)
