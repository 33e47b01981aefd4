import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from programs.halls import codes, services
from programs.halls.models import DutyShift
from tests.halls.conftest import make_director
from tests.halls.factories import FULL_WIDTH_DIGITS

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("code", ["é", "١٢٣٤٥٦", "", "12345", "１２３４５"])
def test_odd_codes_are_simply_wrong(code):
    assert codes.match("secret", code, dt.datetime(2024, 10, 14, 9, tzinfo=TZ)) is None


def test_a_code_typed_in_full_width_digits_is_the_code():
    at = dt.datetime(2024, 10, 14, 9, tzinfo=TZ)
    code, _ = codes.current_code("secret", at)
    assert codes.match("secret", f" {code.translate(FULL_WIDTH_DIGITS)} ", at) == codes.period(at)


def test_the_kiosk_with_odd_digits_is_a_404(client):
    assert client.get("/halls/kiosk/²:x/").status_code == 404


def test_once_filed_the_substitute_is_on_duty_not_the_rostered_director(hall, rota_manager):
    # 002:1978 备案: a filed substitution is in force without a decision.
    from policyops.errors import NotAllowed

    a = make_director(hall, "张局长")
    b = make_director(hall, "李局长")
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    services.rota_publish(hall=hall, year=2024, month=10, acting_user=rota_manager)
    shift = DutyShift.objects.get(director=a)
    day = shift.date
    services.shift_file_substitution(shift=shift, substitute=b, reason="开会", acting_user=a.person.user,
                                     now=dt.datetime.combine(day - dt.timedelta(days=1), dt.time(8), tzinfo=TZ))
    now = dt.datetime.combine(day, dt.time(9, 5), tzinfo=TZ)
    code = codes.current_code(hall.duty_settings.code_secret, now)[0]
    with pytest.raises(NotAllowed):
        services.shift_sign(user=a.person.user, hall=hall, code=code, action="sign_in", now=now)
    services.shift_sign(user=b.person.user, hall=hall, code=code, action="sign_in", now=now)
    shift.refresh_from_db()
    assert shift.state == DutyShift.State.SIGNED_IN and shift.on_duty == b
