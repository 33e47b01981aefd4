"""Public pages without login (issue 13 #1, #8, #11): limits that neither guessing nor many
addresses defeat, counted in a cache all processes share, keyed on the real client."""
import datetime as dt
import os
import runpy
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.cache.backends.filebased import FileBasedCache
from django.test import RequestFactory, override_settings
from django.urls import reverse

from approvals.views import public as status_views
from policyops import ratelimit
from programs.halls import codes, rules
from programs.halls.models import DutyShift, Evaluation, FollowUp
from programs.halls.views import kiosk as kiosk_views
from programs.halls.views import public as hall_views
from tests.approvals.conftest import clerk, entrustment, power  # noqa: F401 (fixtures)
from tests.approvals.factories import register_case
from tests.halls.factories import DutyShiftFactory, HallFactory

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2024, 10, 14, 10, 0, tzinfo=TZ)
SETTINGS_FILE = Path(__file__).resolve().parents[2] / "policyops" / "settings.py"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def request_from(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


# --- Who the client is ---------------------------------------------------------------------


def test_a_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy():
    assert ratelimit.client_ip(request_from("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_client_is_the_last_forwarded_address():
    # The client claimed 6.6.6.6; our proxy (10.0.0.1) appended what it saw, 203.0.113.7.
    assert ratelimit.client_ip(request_from("10.0.0.1", "6.6.6.6, 203.0.113.7")) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_client_is_the_second_from_the_right():
    assert ratelimit.client_ip(request_from("10.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2")) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_a_forwarded_for_shorter_than_the_proxies_falls_back_to_the_proxy_address():
    assert ratelimit.client_ip(request_from("10.0.0.1", "203.0.113.7")) == "10.0.0.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_forwarded_entry_that_is_no_address_falls_back_to_the_proxy_address():
    assert ratelimit.client_ip(request_from("10.0.0.1", "6.6.6.6, <script>")) == "10.0.0.1"


def test_addresses_of_one_ipv6_64_are_one_client():
    first = request_from("2001:db8:1:2::1")
    assert not ratelimit.over_limit(first, "test:v6", limit=1, window_seconds=60)
    assert ratelimit.over_limit(request_from("2001:db8:1:2:ffff::9"), "test:v6", limit=1, window_seconds=60)
    assert not ratelimit.over_limit(request_from("2001:db8:1:3::1"), "test:v6", limit=1, window_seconds=60)


# --- One counter for every process ---------------------------------------------------------


def test_two_processes_file_caches_share_one_counter(tmp_path):
    # Two backends on one folder, as two gunicorn workers (or the web server and Celery) have.
    worker_1 = FileBasedCache(str(tmp_path), {})
    worker_2 = FileBasedCache(str(tmp_path), {})
    request = request_from("198.51.100.7")
    assert ratelimit.hit(request, "test:shared", window_seconds=60, cache=worker_1) == 1
    assert ratelimit.hit(request, "test:shared", window_seconds=60, cache=worker_2) == 2
    assert ratelimit.over_limit(request, "test:shared", limit=2, window_seconds=60, cache=worker_1)


@pytest.mark.skipif(not (os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")), reason="no Redis configured")
def test_two_redis_clients_share_one_counter():
    from django.core.cache.backends.redis import RedisCache

    location = runpy.run_path(str(SETTINGS_FILE))["CACHE_URL"]
    worker_1, worker_2 = RedisCache(location, {}), RedisCache(location, {})
    request = request_from("198.51.100.8")
    scope = f"test:redis:{time.time_ns()}"
    assert ratelimit.hit(request, scope, window_seconds=60, cache=worker_1) == 1
    assert ratelimit.hit(request, scope, window_seconds=60, cache=worker_2) == 2


def test_a_window_outlives_the_caches_default_timeout(tmp_path):
    # The file cache's incr re-stores the value with its default timeout (here 1 s).
    store = FileBasedCache(str(tmp_path), {"TIMEOUT": 1})
    request = request_from("198.51.100.7")
    ratelimit.hit(request, "test:long", window_seconds=3600, cache=store)
    ratelimit.hit(request, "test:long", window_seconds=3600, cache=store)
    time.sleep(1.2)
    assert ratelimit.hit(request, "test:long", window_seconds=3600, cache=store) == 3


def run_settings(monkeypatch, **env):
    for name in ("CACHE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_without_redis_the_cache_is_files_under_var_dir(monkeypatch, tmp_path):
    settings = run_settings(monkeypatch, POLICYOPS_VAR_DIR=str(tmp_path))
    assert settings["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert settings["CACHES"]["default"]["LOCATION"] == str(tmp_path / "cache")


def test_redis_url_gives_a_redis_cache_on_database_1(monkeypatch):
    settings = run_settings(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/0")
    assert settings["CACHES"]["default"] == {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                             "LOCATION": "redis://127.0.0.1:6379/1"}


def test_trusted_proxy_count_comes_from_the_environment(monkeypatch):
    assert run_settings(monkeypatch)["TRUSTED_PROXY_COUNT"] == 0
    assert run_settings(monkeypatch, TRUSTED_PROXY_COUNT="1")["TRUSTED_PROXY_COUNT"] == 1


# --- The case-status page ------------------------------------------------------------------


@pytest.fixture
def case(power, entrustment, clerk):  # noqa: F811 (fixtures imported above)
    return register_case(power, clerk=clerk)  # phone 0532-88881234


def lookup(client, number, digits, address):
    return client.post(reverse("approvals:public_status"), {"number": number, "phone_last4": digits},
                       REMOTE_ADDR=address)


def fail_from_many_addresses(client, number):
    for i in range(status_views.STATUS_FAILURES_PER_NUMBER):
        assert lookup(client, number, f"{i:04d}", f"10.1.0.{i}").status_code == 200


@pytest.mark.django_db
def test_wrong_answers_from_many_addresses_lock_the_number_even_for_the_right_answer(client, case):
    fail_from_many_addresses(client, case.number)
    response = lookup(client, case.number, "1234", "10.2.0.1")
    assert response.status_code == 429
    assert response.context["result"] is None and case.power.name not in response.content.decode()
    assert "请于" in response.context["error"] and "后再试" in response.context["error"]


@pytest.mark.django_db
def test_a_locked_number_that_does_not_exist_answers_as_an_existing_one(client, case):
    missing = "PD-2024-999999"
    fail_from_many_addresses(client, case.number)
    fail_from_many_addresses(client, missing)
    existing, absent = lookup(client, case.number, "1234", "10.2.0.1"), lookup(client, missing, "1234", "10.2.0.2")
    assert existing.status_code == absent.status_code == 429
    assert existing.context["error"] == absent.context["error"]


@pytest.mark.django_db
def test_wrong_answers_for_one_number_leave_another_number_open(client, case):
    fail_from_many_addresses(client, "PD-2024-999999")
    assert lookup(client, case.number, "1234", "10.2.0.1").context["result"]["number"] == case.number


@pytest.mark.django_db
def test_the_lock_ends_with_its_window(client, case, monkeypatch):
    monkeypatch.setattr(status_views, "STATUS_FAILURE_WINDOW_SECONDS", 1)
    fail_from_many_addresses(client, case.number)
    time.sleep(1.2)
    assert lookup(client, case.number, "1234", "10.2.0.1").context["result"]["number"] == case.number


@pytest.mark.django_db
def test_the_result_shows_the_state_and_not_the_applicant(client, case):
    response = lookup(client, case.number, "1234", "10.2.0.1")
    page = response.content.decode()
    assert response.context["result"]["state"] in page
    assert "青岛测试有限公司" not in page and "88881234" not in page


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.django_db
def test_behind_a_proxy_each_visitor_has_their_own_lookup_limit(client, case):
    for i in range(status_views.STATUS_LOOKUP_LIMIT):
        client.post(reverse("approvals:public_status"), {"number": case.number, "phone_last4": "1234"},
                    REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    response = client.post(reverse("approvals:public_status"), {"number": case.number, "phone_last4": "1234"},
                           REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert response.status_code == 200 and response.context["result"]["number"] == case.number


# --- The hall evaluation -------------------------------------------------------------------


@pytest.fixture
def on_duty(db, monkeypatch):
    """A director signed in at a hall at NOW, and the wall clock frozen at NOW."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    shift = DutyShiftFactory(date=NOW.date(), state=DutyShift.State.SIGNED_IN, signed_in_at=NOW.replace(hour=9),
                             director__hall=HallFactory())
    return shift


def rate(client, shift, level, address, *, fresh_device=True):
    url = reverse("halls:evaluate", args=[shift.hall_id])
    if fresh_device:
        client.cookies.pop(hall_views.DEVICE_COOKIE, None)
        client.get(url, REMOTE_ADDR=address)  # the form hands out the device token
    return client.post(url, {"level": level}, REMOTE_ADDR=address)


def test_a_rating_without_the_forms_token_is_refused(client, on_duty):
    response = rate(client, on_duty, 1, "198.51.100.7", fresh_device=False)
    assert response.status_code == 400 and not Evaluation.objects.exists()


def test_a_forged_device_cookie_is_refused(client, on_duty):
    client.cookies[hall_views.DEVICE_COOKIE] = "a-device-id-of-my-own-choosing"
    response = rate(client, on_duty, 1, "198.51.100.7", fresh_device=False)
    assert response.status_code == 400 and not Evaluation.objects.exists()


def test_the_refusal_hands_out_a_token_so_that_a_real_visitor_can_resubmit(client, on_duty):
    rate(client, on_duty, 4, "198.51.100.7", fresh_device=False)
    assert rate(client, on_duty, 4, "198.51.100.7", fresh_device=False).status_code == 200
    assert Evaluation.objects.get().level == 4


def test_a_queue_on_one_hall_wifi_each_rates_once(client, on_duty):
    queue = 15  # three times the old limit of 5 per address
    for i in range(queue):
        assert rate(client, on_duty, 1 + i % 5, "10.9.0.1").status_code == 200, i
    assert Evaluation.objects.filter(shift=on_duty).count() == queue


def test_more_addresses_than_the_cap_make_at_most_its_negative_ratings_of_a_shift(client, on_duty):
    for address in range(rules.EVALUATION_FOLLOW_UPS_PER_SHIFT + 5):
        for _attempt in range(2):
            rate(client, on_duty, 1, f"10.8.0.{address}")
    assert Evaluation.objects.filter(shift=on_duty).count() == rules.EVALUATION_FOLLOW_UPS_PER_SHIFT
    assert FollowUp.objects.count() == rules.EVALUATION_FOLLOW_UPS_PER_SHIFT


def test_beyond_the_cap_a_dissatisfied_visitor_is_told_why(client, on_duty):
    for i in range(rules.EVALUATION_FOLLOW_UPS_PER_SHIFT):
        rate(client, on_duty, 2, f"10.8.1.{i}")
    response = rate(client, on_duty, 2, "10.8.2.1")
    assert response.context["error"] == str(hall_views.ENOUGH_FOLLOW_UPS)
    assert Evaluation.objects.count() == rules.EVALUATION_FOLLOW_UPS_PER_SHIFT


def test_satisfied_ratings_still_count_once_the_negative_cap_is_reached(client, on_duty):
    for i in range(rules.EVALUATION_FOLLOW_UPS_PER_SHIFT):
        rate(client, on_duty, 1, f"10.8.1.{i}")
    assert rate(client, on_duty, 5, "10.8.2.1").status_code == 200
    assert Evaluation.objects.filter(level=5).count() == 1


def test_new_device_tokens_per_address_are_limited(client, on_duty, monkeypatch):
    monkeypatch.setattr(rules, "EVALUATION_DEVICES_PER_CLIENT", 2)
    url = reverse("halls:evaluate", args=[on_duty.hall_id])
    for _i in range(2):
        client.cookies.pop(hall_views.DEVICE_COOKIE, None)
        assert hall_views.DEVICE_COOKIE in client.get(url).cookies
    client.cookies.pop(hall_views.DEVICE_COOKIE, None)
    response = client.get(url)
    assert response.status_code == 429 and hall_views.DEVICE_COOKIE not in response.cookies


def test_a_device_with_its_token_is_not_counted_again_as_new(client, on_duty, monkeypatch):
    monkeypatch.setattr(rules, "EVALUATION_DEVICES_PER_CLIENT", 1)
    url = reverse("halls:evaluate", args=[on_duty.hall_id])
    client.get(url)
    assert client.get(url).status_code == 200 and client.get(url).status_code == 200


# --- The other public pages ----------------------------------------------------------------


def spend(scope, limit, address="127.0.0.1"):
    for _i in range(limit):
        ratelimit.count(scope, address, window_seconds=600, now=NOW)


@pytest.mark.django_db
def test_the_rota_is_limited_per_client(client):
    hall = HallFactory()
    url = reverse("halls:rota", args=[hall.pk, 2024, 10])
    spend(ratelimit.PUBLIC_PAGE_SCOPE, ratelimit.PUBLIC_PAGE_LIMIT)
    assert client.get(url).status_code == 429
    assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 200


@pytest.mark.django_db
def test_the_kiosk_is_limited_per_client(client):
    hall = HallFactory()
    url = reverse("halls:kiosk", args=[codes.kiosk_token(hall.duty_settings)])
    spend("halls:kiosk", kiosk_views.KIOSK_LIMIT)
    assert client.get(url).status_code == 429
    assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 200


# --- Edges found by `make mutants` (README *Mutation testing*) -------------------------------


def fresh(store_class=None):
    """A local-memory cache of its own: LocMemCache shares its rows among instances of one name."""
    from uuid import uuid4

    from django.core.cache.backends.locmem import LocMemCache

    return (store_class or LocMemCache)(f"ratelimit-{uuid4().hex}", {})


def test_an_ipv4_client_seen_through_ipv6_is_the_ipv4_client():
    assert ratelimit.client_key(request_from("::ffff:198.51.100.7")) == "198.51.100.7"


def test_requests_without_an_address_share_one_limit():
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert ratelimit.client_key(request) == "unknown"


def test_a_window_that_expired_between_its_add_and_its_count_starts_again_at_one():
    from django.core.cache.backends.locmem import LocMemCache

    class ExpiredInBetween(LocMemCache):
        expired = True

        def incr(self, key, delta=1, version=None):
            if self.expired:  # once: the counter expired after its add
                self.expired = False
                raise ValueError("Key not found")
            return super().incr(key, delta, version)

    store = fresh(ExpiredInBetween)
    assert ratelimit.count("test:race", "who", window_seconds=60, now=NOW, cache=store).count == 1
    assert ratelimit.count("test:race", "who", window_seconds=60, now=NOW, cache=store).count == 2


def test_the_counter_is_kept_to_its_windows_end():
    from django.core.cache.backends.locmem import LocMemCache

    class Recording(LocMemCache):
        def touch(self, key, timeout=None, version=None):
            self.touched.append(timeout)
            return super().touch(key, timeout, version)

    store = fresh(Recording)
    store.touched = []
    ratelimit.count("test:touch", "who", window_seconds=600, now=NOW, cache=store)
    assert store.touched == [601]  # the window's 600 s and the second it started in


def test_a_window_whose_end_was_evicted_ends_its_length_from_now():
    from django.core.cache.backends.locmem import LocMemCache

    class EvictsTheEnd(LocMemCache):  # a full cache drops the window's end as soon as it is added
        def get(self, key, default=None, version=None):
            return default if key.endswith(":ends") else super().get(key, default, version)

    window = ratelimit.count("test:evicted", "who", window_seconds=60, now=NOW,
                             cache=fresh(EvictsTheEnd))
    assert (window.count, window.ends_at) == (1, NOW + dt.timedelta(seconds=60))


def test_someone_never_counted_has_no_events_and_no_window_left():
    window = ratelimit.current("test:never", "who", now=NOW, cache=fresh())
    assert (window.count, window.ends_at) == (0, NOW)
