"""A director on a phone: practice at the training hall from its QR link; an A/B substitution filed and served."""
import datetime as dt
import re
from urllib.parse import urlencode

from django.utils import timezone

from policyops.demo import DEMO_SOURCE
from programs.halls import codes, training
from programs.halls.demo import TRAINING_HALL_NAME
from programs.halls.models import DutyShift, SignAttempt
from programs.halls.views.common import qr_svg
from tests.halls.factories import FULL_WIDTH_DIGITS, DirectorFactory, DutyShiftFactory, HallFactory

PASSWORD = "值班-练习-2024"


def practice_hall_with_a_director():
    """The training hall as ``manage.py demo`` sets it up, and a director with a known password."""
    director = DirectorFactory(hall=HallFactory(name="市审批服务大厅（测试）"), name="陈志强")
    user = director.person.user
    user.set_password(PASSWORD)
    user.save()
    hall = training.hall_set_up(name=TRAINING_HALL_NAME, source=DEMO_SOURCE)
    training.shifts_ensure(hall=hall, directors=[director], days=[timezone.localdate()])
    return hall, director


def read_the_screen(screen, token: str) -> tuple[str, str]:
    """What a person reads on the hall's screen: the code of this minute (and the QR code's drawing)."""
    screen.go(f"/halls/kiosk/{token}/")
    # One read of one load: the screen reloads itself every few seconds.
    code, qr_path = screen.page.evaluate("""() => [document.getElementById('code').innerText.trim(),
                                                   document.querySelector('.qr svg path').getAttribute('d')]""")
    assert re.fullmatch(r"[0-9]{6}", code), code
    return code, qr_path


def assert_on_screen(cell, text: str):
    """``cell`` says ``text`` within the window's width (not hidden to the right of a scrolling table)."""
    assert text in cell.inner_text()
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= cell.page.viewport_size["width"], box


def assert_fits(visitor):
    assert visitor.sideways_overflow() <= 0, visitor.page.url


def test_a_director_practises_at_the_training_hall_from_its_qr_link_on_a_phone(visitor, live_server):
    hall, director = practice_hall_with_a_director()
    shift = DutyShift.objects.get(hall=hall, director=director)
    token = codes.kiosk_token(hall.duty_settings)
    screen = visitor("screen")
    code, qr_path = read_the_screen(screen, token)
    link = f"{live_server.url}/halls/sign/?{urlencode({'hall': hall.pk, 'code': code})}"
    # The QR code on the screen is this link (the phone's camera would open it).
    assert f'd="{qr_path}"' in qr_svg(link)
    screen.assert_healthy()

    phone = visitor("director", phone=True)
    phone.page.goto(link)
    assert "/admin/login/" in phone.page.url, phone.page.url
    assert_fits(phone)
    phone.shot("login")
    phone.log_in_with_form(director.person.user.username, PASSWORD)
    assert phone.page.url == link, phone.page.url
    assert phone.page.locator("select[name=hall]").input_value() == str(hall.pk)
    assert phone.page.locator("input[name=code]").input_value() == code
    assert phone.page.locator("input[name=action][value=sign_in]").is_checked()
    assert_fits(phone)
    phone.shot("sign-in")
    phone.submit("提交")

    assert phone.page.url.endswith("/halls/my/"), phone.page.url
    body = phone.page.locator("body").inner_text()
    assert f"在{hall.name}签到" in body and "这是在培训大厅的练习，不计入任何报表。" in body
    assert_on_screen(phone.page.locator("tr", has_text=hall.name).locator("td[data-label=状态]"), "已签到")
    assert_fits(phone)
    phone.shot("signed-in")
    shift.refresh_from_db()
    assert shift.state == DutyShift.State.SIGNED_IN and shift.signed_in_at is not None

    # The work record: a case number typed through a Chinese input method is read as written,
    # and the error stands clear of the field's help on a phone (it lay over it, round 32).
    with phone.page.expect_navigation():
        phone.page.locator("tr", has_text=hall.name).get_by_role("link", name="工作记实").click()
    phone.page.fill("textarea[name=cases]", "ｐｄ－２０２６－９９９９９９")
    phone.submit("保存")
    error = phone.page.locator("#cases-error")
    assert "PD-2026-999999" in error.inner_text()
    help_box = phone.page.locator("form .muted").first.bounding_box()
    error_box = error.bounding_box()
    assert error_box["y"] >= help_box["y"] + help_box["height"], (help_box, error_box)
    assert_fits(phone)
    phone.shot("work-record-error")
    phone.go("/halls/my/")

    # Signing out: the code now on the screen, typed in on the sign page by an input method in
    # full-width mode (１２３４５６), as a Chinese phone keyboard may.
    code, _qr = read_the_screen(screen, token)
    with phone.page.expect_navigation():
        phone.page.locator("tr", has_text=hall.name).locator("a.halls-button", has_text="签退").click()
    assert phone.page.locator("select[name=hall]").input_value() == str(hall.pk)
    assert phone.page.locator("input[name=action][value=sign_out]").is_checked()
    phone.page.fill("input[name=code]", code.translate(FULL_WIDTH_DIGITS))
    assert_fits(phone)
    phone.submit("提交")

    assert phone.page.url.endswith("/halls/my/"), phone.page.url
    assert "签退，本次值班" in phone.page.locator("body").inner_text()
    assert_fits(phone)
    phone.shot("last")
    phone.assert_healthy()
    screen.assert_healthy()
    shift.refresh_from_db()
    assert shift.state == DutyShift.State.SIGNED_OUT and shift.signed_out_at >= shift.signed_in_at
    assert list(SignAttempt.objects.filter(user=director.person.user, success=True)
                .order_by("at").values_list("action", flat=True)) == ["sign_in", "sign_out"]


def test_an_ab_substitution_is_filed_on_the_phone_and_the_substitute_signs_in(visitor):
    hall = HallFactory(name="平度市审批服务大厅（测试）")
    rostered = DirectorFactory(hall=hall, name="王建国")
    partner = DirectorFactory(hall=hall, name="李海涛")
    rostered.partner, partner.partner = partner, rostered
    rostered.save(update_fields=["partner"])
    partner.save(update_fields=["partner"])
    now = timezone.localtime()
    shift = DutyShiftFactory(director=rostered, date=now.date(), starts_at=now + dt.timedelta(minutes=30),
                             ends_at=now + dt.timedelta(hours=3))

    director = visitor("director", phone=True)
    director.log_in_as(rostered.person.user)
    director.go("/halls/my/")
    assert_fits(director)
    director.page.get_by_text("报备AB角替岗…").click()
    form = f"form[action='/halls/my/{shift.pk}/substitution/']"
    director.page.select_option(f"{form} select[name=substitute]", str(partner.pk))
    director.page.fill(f"{form} input[name=reason]", "参加市政府专题会议")
    assert_fits(director)
    director.shot("filing")
    director.submit("在值班开始前报备", form=form)

    assert director.page.url.endswith("/halls/my/"), director.page.url
    assert "的替岗已报备：由李海涛值班。" in director.page.locator("body").inner_text()
    assert_fits(director)
    shift.refresh_from_db()
    assert (shift.state, shift.substitute_id, shift.substitution_reason) == (
        DutyShift.State.SUBSTITUTED, partner.pk, "参加市政府专题会议")
    director.shot("filed")
    director.assert_healthy()

    # The shift's hour comes: its window now began five minutes ago.
    DutyShift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))
    screen = visitor("screen")
    code, _qr = read_the_screen(screen, codes.kiosk_token(hall.duty_settings))
    assert "李海涛" in screen.page.locator("body").inner_text()
    screen.assert_healthy()

    substitute = visitor("substitute", phone=True)
    substitute.log_in_as(partner.person.user)
    substitute.go("/")
    assert_fits(substitute)
    substitute.shot("home")
    with substitute.page.expect_navigation():
        substitute.page.locator("a.halls-button", has_text="签到").click()
    assert substitute.page.locator("select[name=hall]").input_value() == str(hall.pk)
    substitute.page.fill("input[name=code]", code)
    assert_fits(substitute)
    substitute.submit("提交")

    assert substitute.page.url.endswith("/halls/my/"), substitute.page.url
    row = substitute.page.locator("tr", has_text=hall.name).first
    assert_on_screen(row.locator("td[data-label=值班人]"), "李海涛")
    assert_on_screen(row.locator("td[data-label=状态]"), "已签到")
    assert_fits(substitute)
    substitute.shot("last")
    substitute.assert_healthy()
    shift.refresh_from_db()
    assert shift.state == DutyShift.State.SIGNED_IN and shift.substitute_id == partner.pk
    assert SignAttempt.objects.get(shift=shift, success=True).user == partner.person.user
