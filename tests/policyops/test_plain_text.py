"""policyops.plain_text: text without the invisible characters a paste brings, at every door."""
import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.views.decorators.csrf import csrf_exempt
from hypothesis import given
from hypothesis import strategies as st

from policyops.cells import imported_text
from policyops.middleware import PlainTextMiddleware
from policyops.plain_text import INVISIBLE_CHARACTERS, LOOK_ALIKES, plain_data, plain_text

ZERO_WIDTH, BOM, OVERRIDE, WORD_LINE_BREAK = "\u200b", "\ufeff", "\u202e", "\x0b"


@pytest.mark.parametrize(("typed", "plain"), [
    (f"张{ZERO_WIDTH}三", "张三"),
    (f"{BOM}青岛测试有限公司", "青岛测试有限公司"),
    (f"平度{OVERRIDE}市", "平度市"),
    (f"第一行{WORD_LINE_BREAK}第二行", "第一行\n第二行"),
    ("申请\xa0材料", "申请 材料"),
    ("a\x1bb\x7fc\x85d", "abcd"),
])
def test_invisible_characters_go_and_look_alikes_become_plain(typed, plain):
    assert plain_text(typed) == plain


@pytest.mark.parametrize("kept", ["第一行\r\n第二行\t完", "全角\u3000空格", "👨\u200d👩\u200d👧", "a\x00b"])
def test_what_a_person_typed_stays(kept):
    assert plain_text(kept) == kept


def test_text_without_such_characters_is_the_same_object():
    text = "青岛市平度市行政审批服务局"
    assert plain_text(text) is text


@given(st.text())
def test_plain_text_leaves_none_and_is_its_own_fixed_point(text):
    plain = plain_text(text)
    assert not INVISIBLE_CHARACTERS.search(plain) and not set(LOOK_ALIKES) & set(plain)
    assert plain_text(plain) == plain


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Zs"))))
def test_visible_text_is_never_changed(text):
    assert plain_text(text) == text


def test_json_values_are_made_plain_at_any_depth_and_keys_left_as_sent():
    data = {f"name{ZERO_WIDTH}": f"张{ZERO_WIDTH}三", "materials": [{"name": f"{BOM}申请书"}, 3, None]}
    assert plain_data(data) == {f"name{ZERO_WIDTH}": "张三", "materials": [{"name": "申请书"}, 3, None]}
    assert plain_data(f"{OVERRIDE}x") == "x"


def test_an_imported_cell_is_made_plain_after_its_formula_guard_is_taken_off():
    assert imported_text(f"'={ZERO_WIDTH}1+1") == "=1+1"
    assert imported_text(f"张{ZERO_WIDTH}三") == "张三"


# --- the middleware ---------------------------------------------------------------------------


def view(request):
    return HttpResponse()


def through_middleware(request, view_func=view):
    middleware = PlainTextMiddleware(view_func)
    middleware.process_view(request, view_func, (), {})
    return request


def test_a_posted_form_is_made_plain_but_its_passwords_stay_as_typed():
    request = through_middleware(RequestFactory().post("/", {
        "name": f"张{ZERO_WIDTH}三", "password": f"pa{ZERO_WIDTH}ss", "new_password1": f"n{BOM}ew"}))
    assert request.POST["name"] == "张三"
    assert request.POST["password"] == f"pa{ZERO_WIDTH}ss" and request.POST["new_password1"] == f"n{BOM}ew"
    assert not request.POST._mutable


def test_a_query_string_is_made_plain():
    request = through_middleware(RequestFactory().get("/", {"q": f"PD-2024{ZERO_WIDTH}-000001", "page": "2"}))
    assert request.GET.getlist("q") == ["PD-2024-000001"] and request.GET["page"] == "2"


def test_a_post_without_such_characters_is_left_as_it_came():
    request = RequestFactory().post("/", {"name": "张三"})
    posted = request.POST
    assert through_middleware(request).POST is posted


def test_a_view_exempt_from_csrf_reads_its_own_body():
    request = through_middleware(RequestFactory().post("/", {"name": f"张{ZERO_WIDTH}三"}), csrf_exempt(view))
    assert request.POST["name"] == f"张{ZERO_WIDTH}三"


def test_the_middleware_runs_after_the_csrf_check_that_reads_the_post_first(settings):
    # Reading a post the CSRF check has not read could fail earlier than a view expects it to.
    order = settings.MIDDLEWARE
    assert order.index("policyops.middleware.PlainTextMiddleware") > order.index(
        "django.middleware.csrf.CsrfViewMiddleware")
