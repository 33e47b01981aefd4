"""Found by the director's browser journey: the step the sign page offers, and my shifts on a phone."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from programs.halls.models import DutyShift
from tests.halls.conftest import make_director
from tests.halls.factories import DutyShiftFactory, HallFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2024, 10, 14)
NOON = dt.datetime(2024, 10, 14, 12, 0, tzinfo=TZ)
S = DutyShift.State


@pytest.fixture
def clock(monkeypatch):
    """The wall clock the views read (timezone.now and, through it, localdate) at noon of DAY."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOON)
    return NOON


@pytest.fixture
def director(hall):
    return make_director(hall, "张局长")


def sign_page(client, user, query):
    client.force_login(user)
    return client.get(reverse("halls:sign") + query)


def test_the_qr_link_scanned_again_after_signing_in_offers_the_sign_out(client, clock, hall, director):
    DutyShiftFactory(director=director, date=DAY, state=S.SIGNED_IN, signed_in_at=clock)
    response = sign_page(client, director.person.user, f"?hall={hall.pk}&code=123456")
    assert response.context["form"].initial["action"] == "sign_out"


def test_the_qr_link_offers_the_sign_in_before_signing_in(client, clock, hall, director):
    DutyShiftFactory(director=director, date=DAY)
    response = sign_page(client, director.person.user, f"?hall={hall.pk}&code=123456")
    assert response.context["form"].initial["action"] == "sign_in"


def test_a_step_named_in_the_link_wins(client, clock, hall, director):
    DutyShiftFactory(director=director, date=DAY, state=S.SIGNED_IN, signed_in_at=clock)
    response = sign_page(client, director.person.user, f"?hall={hall.pk}&action=sign_in")
    assert response.context["form"].initial["action"] == "sign_in"


def test_being_signed_in_at_another_hall_changes_nothing_here(client, clock, hall, director):
    DutyShiftFactory(director=director, date=DAY, state=S.SIGNED_IN, signed_in_at=clock)
    other = HallFactory()
    response = sign_page(client, director.person.user, f"?hall={other.pk}")
    assert response.context["form"].initial["action"] == "sign_in"


def test_my_shifts_offers_the_sign_out_of_the_shift_on_duty_now_with_its_hall(client, clock, hall, director):
    DutyShiftFactory(director=director, date=DAY, state=S.SIGNED_IN, signed_in_at=clock)
    DutyShiftFactory(director=director, date=DAY + dt.timedelta(days=7))
    client.force_login(director.person.user)
    page = client.get(reverse("halls:my_shifts")).content.decode()
    link = f'{reverse("halls:sign")}?hall={hall.pk}&amp;action='
    assert page.count(link) == 1 and f"{link}sign_out" in page


def test_my_shifts_offers_the_sign_in_only_within_the_window(client, clock, hall, director):
    DutyShiftFactory(director=director, date=DAY)
    client.force_login(director.person.user)
    assert f'{reverse("halls:sign")}?hall={hall.pk}&amp;action=sign_in' in client.get(
        reverse("halls:my_shifts")).content.decode()
    DutyShift.objects.update(starts_at=clock + dt.timedelta(hours=1))
    assert "action=sign_in" not in client.get(reverse("halls:my_shifts")).content.decode()


def test_my_shifts_labels_every_cell_so_a_phone_shows_each_shift_as_a_card(client, clock, hall, director):
    DutyShiftFactory(director=director, date=DAY)
    DutyShiftFactory(director=director, date=DAY - dt.timedelta(days=7), state=S.MISSED)
    client.force_login(director.person.user)
    page = client.get(reverse("halls:my_shifts")).content.decode()
    assert page.count('<table class="halls-shifts">') == 2
    assert page.count('data-label="') == 5 + 6  # upcoming: 5 labelled cells and the actions; recent: 6
