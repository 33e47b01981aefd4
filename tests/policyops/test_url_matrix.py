"""Every URL pattern × method × role × district: no 5xx, nothing of another district shown or written.

The patterns come from django.urls.get_resolver() (tests/policyops/url_walk.py), so a new
URL takes part as soon as it exists; one the walker cannot fill fails
``test_every_url_pattern_is_walked`` with its name. The admin is walked by
test_access_matrix.py.

Each role (anonymous, and a clerk, a programme manager and a director of 平度市, a
supervisor, a superuser) requests every pattern filled with 平度市's objects ("own") and
莱西市's ("other"), with GET and, where the view may take it, POST with an empty body. A
violation is:

* any 5xx;
* anonymous: anything but a login redirect, 401, 403, 404 or 405 outside the public pages;
* a 平度市 user: a 200 that shows 莱西市's mark (url_walk.MARK), a 200 file of 莱西市's object,
  or any change to 莱西市's objects (their rows, notices, work records, problems, audit trail).
"""
import io
import zipfile
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.policyops import url_walk as w

pytestmark = pytest.mark.django_db

FIGURES = Counter()  # what was walked, by role: printed at the end of each role's walk


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Both districts' objects, built once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield w.build_world()
        transaction.set_rollback(True)


def needs_parameters(pattern) -> bool:
    try:
        reverse(pattern.name)
    except NoReverseMatch:
        return True
    return False


def fills(pattern, world):
    """(district label or "-", kwargs) of every URL of ``pattern``; raises LookupError when it has no filler."""
    if pattern.name in w.FILLERS:
        return [(side.label, kwargs) for side in (world.own, world.other) for kwargs in w.FILLERS[pattern.name](side)]
    if pattern.name in w.NEUTRAL_FILLERS:
        return [("-", kwargs) for kwargs in w.NEUTRAL_FILLERS[pattern.name]]
    if pattern.name and not needs_parameters(pattern):
        return [("-", {})]
    raise LookupError(pattern.route)


def test_every_url_pattern_is_walked(world):
    unfilled = []
    for pattern in w.patterns():
        if pattern.name in w.SKIPPED or pattern.name in w.DOCS:
            continue
        try:
            fills(pattern, world)
        except LookupError:
            unfilled.append(f"{pattern.name or '(unnamed)'} {pattern.route}")
    assert not unfilled, "add a filler to tests/policyops/url_walk.py FILLERS for:\n" + "\n".join(unfilled)


def body_text(response) -> str:
    """What a person would read of the response: the text, or the cells of an XLSX file."""
    content_type = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return "".join(book.read(n).decode(errors="replace") for n in book.namelist() if n.endswith(".xml"))
    if content_type.startswith(("text/", "application/json", "application/javascript")) or not content_type:
        return content.decode(errors="replace")
    return "<binary>"


def login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


class RoleWalk:
    def __init__(self, world, role):
        self.world, self.role = world, role
        self.client = Client(raise_request_exception=False)
        if world.users[role] is not None:
            self.client.force_login(world.users[role])
        self.scoped = role not in w.SEE_EVERY_DISTRICT
        self.violations = []

    def request(self, pattern, district, url, method):
        FIGURES[(self.role, "requests")] += 1
        FIGURES[(self.role, district)] += 1
        # A write to the other district's objects comes from a POST or from a URL of one of them.
        watch = self.scoped and (method == "POST" or district == "other")
        before = self.world.other.snapshot() if watch else None
        if method == "GET":
            response = self.client.get(url, {"q": w.SEARCH})
        elif url.startswith("/api/"):
            response = self.client.post(url, {}, content_type="application/json")
        else:
            response = self.client.post(url, {})
        where = f"{self.role} {method} {url} ({pattern.name}, {district})"
        status = response.status_code
        if status >= 500:
            self.violations.append(f"{where}: {status}")
            return
        if self.role == "anonymous" and not pattern.public and not (
                login_redirect(response) or status in (401, 403, 404, 405)):
            self.violations.append(f"{where}: {status} to an anonymous visitor")
        if self.scoped and not pattern.public and status == 200:
            text = body_text(response)
            if w.MARK in text:
                self.violations.append(f"{where}: 200 shows another district's object")
            elif district == "other" and text == "<binary>":
                self.violations.append(f"{where}: 200 serves another district's file")
        if watch and self.world.other.snapshot() != before:
            self.violations.append(f"{where}: another district's object changed")

    def walk(self):
        for pattern in w.patterns():
            if pattern.name in w.SKIPPED:
                continue
            if pattern.name in w.DOCS:
                self.request(pattern, "-", reverse(pattern.name), "GET")
                continue
            FIGURES[(self.role, "patterns")] += 1
            try:
                filled = fills(pattern, self.world)
            except LookupError:
                self.violations.append(f"{pattern.name or '(unnamed)'} {pattern.route}: no filler, not walked")
                continue
            for district, kwargs in filled:
                url = reverse(pattern.name, kwargs=kwargs)
                for method in pattern.methods:
                    self.request(pattern, district, url, method)


@pytest.mark.parametrize("role", w.ROLES)
def test_no_role_reads_or_writes_outside_its_scope(world, role):
    walk = RoleWalk(world, role)
    walk.walk()
    print(f"\n[url matrix] {role}: {FIGURES[(role, 'patterns')]} patterns, "
          f"{FIGURES[(role, 'requests')]} requests (own district {FIGURES[(role, 'own')]}, other district "
          f"{FIGURES[(role, 'other')]}, no district {FIGURES[(role, '-')]}), {len(walk.violations)} violations")
    assert not walk.violations, "\n".join(walk.violations)


def test_the_walk_sees_the_other_district_where_it_may(world):
    """The control: a supervisor's pages of 莱西市's objects show the mark, so its absence above means something."""
    client = Client(raise_request_exception=False)
    client.force_login(world.users["supervisor"])
    other = world.other
    for url in (reverse("approvals:case_detail", args=[other.case.pk]),
                reverse("policyops:task-detail", args=[other.task.pk]),
                reverse("roads:project-detail", args=[other.project.pk]),
                reverse("approvals-api:case-detail", args=[other.case.number]),
                reverse("approvals:notice_print", args=[other.notice.pk])):
        response = client.get(url)
        assert response.status_code == 200 and w.MARK in body_text(response), url
