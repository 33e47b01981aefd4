"""The monthly briefing (简报) of a varied month, pinned cell by cell: the figures, the page and the XLSX.

Written against the shift-by-shift briefing before it became SQL aggregates, so the rewrite
shows the same numbers, in the same order, with the same texts.

October 2024 at the hall, as of 2024-10-20 (a shift of that day is not due yet):

    张局长 市教育局  10-08 served, in 09:05 (on time); on duty for 蒋局长's 10-02 shift (A/B), missed
    李局长 市教育局  10-09 missed
    王局长 市民政局  10-10 served, in 09:40 (late)
    赵局长 市民政局  10-11 signed out at noon: left early, not a served day
    钱局长 市财政局  10-14 covered by 孙局长 (A/B), who signed in at 09:15:00 sharp and served
    周局长 (no department) 10-15 signed in, never out (not signed out)
    吴局长 市教育局  10-25 published (still to come)
    郑局长 市民政局  only a practice shift at the training hall
    冯局长 市教育局  inactive; 10-16 missed
    陈局长 市民政局  10-17 a draft (scheduled) shift only
    褚局长 市财政局  10-18 published, nobody came, not swept yet
    蒋局长 市教育局  10-02 covered by 张局长; a served day in September
    卫局长 市财政局  10-20 signed in today (not due)
    韩局长 at another hall: served 10-08
"""
import datetime as dt
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from approvals import services as approval_services
from policyops.models import Person
from policyops.roles import Role
from programs.halls.models import Director, DutyShift, Problem
from tests.approvals.factories import DelegatedPowerFactory, pingdu_authority
from tests.conftest import make_user
from tests.halls.conftest import make_director
from tests.halls.factories import (
    DutyShiftFactory,
    EvaluationFactory,
    HallFactory,
    ProblemFactory,
    WorkRecordFactory,
)

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = DutyShift.State
AS_OF = dt.date(2024, 10, 20)
# Every director of the month was on record before it began.
ON_RECORD_SINCE = dt.datetime(2024, 9, 1, tzinfo=TZ)


def at(day, h, m=0, s=0):
    return dt.datetime(day.year, day.month, day.day, h, m, s, tzinfo=TZ)


def october(day):
    return dt.date(2024, 10, day)


def shift(director, day, state, *, signed_in=None, signed_out=None, substitute=None, hall=None, left_early=False):
    return DutyShiftFactory(director=director, hall=hall or director.hall, date=day, state=state,
                            substitute=substitute, left_early=left_early,
                            signed_in_at=at(day, *signed_in) if signed_in else None,
                            signed_out_at=at(day, *signed_out) if signed_out else None)


def new_case(hall, clerk, day):
    return approval_services.case_register(
        power=DelegatedPowerFactory(), applicant_name="测试申请人", applicant_type="organisation",
        applicant_phone="0532-88812345", received_hall=hall, first_contact=clerk.person, received_on=day,
        materials=[("申请书", True)], acting_user=clerk)


@pytest.fixture
def month(hall):
    d = {key: make_director(hall, name, department, with_user=False) for key, name, department in (
        ("zhang", "张局长", "市教育局"), ("li", "李局长", "市教育局"), ("wang", "王局长", "市民政局"),
        ("zhao", "赵局长", "市民政局"), ("qian", "钱局长", "市财政局"), ("sun", "孙局长", "市财政局"),
        ("zhou", "周局长", "市教育局"), ("wu", "吴局长", "市教育局"), ("zheng", "郑局长", "市民政局"),
        ("feng", "冯局长", "市教育局"), ("chen", "陈局长", "市民政局"), ("chu", "褚局长", "市财政局"),
        ("jiang", "蒋局长", "市教育局"), ("wei", "卫局长", "市财政局"))}
    Person.objects.filter(pk=d["zhou"].person_id).update(department=None)
    Director.objects.filter(pk=d["feng"].pk).update(active=False)
    other_hall = HallFactory(name="另一审批服务大厅")
    han = make_director(other_hall, "韩局长", "市教育局", with_user=False)
    practice_hall = HallFactory(name="培训大厅", is_training=True)
    Director.history.model.objects.update(history_date=ON_RECORD_SINCE)

    zhang = shift(d["zhang"], october(8), S.SIGNED_OUT, signed_in=(9, 5), signed_out=(16, 55))
    shift(d["jiang"], october(2), S.MISSED, substitute=d["zhang"])
    shift(d["jiang"], dt.date(2024, 9, 20), S.SIGNED_OUT, signed_in=(9, 0), signed_out=(17, 0))
    shift(d["li"], october(9), S.MISSED)
    wang = shift(d["wang"], october(10), S.SIGNED_OUT, signed_in=(9, 40), signed_out=(16, 56))
    shift(d["zhao"], october(11), S.SIGNED_OUT, signed_in=(9, 0), signed_out=(12, 0), left_early=True)
    covered = shift(d["qian"], october(14), S.SIGNED_OUT, substitute=d["sun"], signed_in=(9, 15, 0),
                    signed_out=(17, 0))
    zhou = shift(d["zhou"], october(15), S.SIGNED_IN, signed_in=(9, 10))
    shift(d["wu"], october(25), S.PUBLISHED)
    practice = shift(d["zheng"], october(8), S.SIGNED_OUT, hall=practice_hall, signed_in=(9, 0),
                     signed_out=(17, 0))
    shift(d["feng"], october(16), S.MISSED)
    shift(d["chen"], october(17), S.SCHEDULED)
    shift(d["chu"], october(18), S.PUBLISHED)
    today = shift(d["wei"], AS_OF, S.SIGNED_IN, signed_in=(9, 1))
    elsewhere = shift(han, october(8), S.SIGNED_OUT, signed_in=(9, 0), signed_out=(17, 0))

    for rated, level in ((zhang, 5), (zhang, 1), (wang, 4), (wang, 3), (covered, 2), (zhou, 5),
                         (practice, 5), (today, 4), (elsewhere, 1)):
        EvaluationFactory(shift=rated, level=level)
    pingdu_authority()
    clerk = make_user(Role.CLERK, district=hall.district)
    record = WorkRecordFactory(shift=zhang)
    record.cases.add(new_case(hall, clerk, october(8)), new_case(hall, clerk, october(8)))
    ProblemFactory(record=record, description="排队时间长", state=Problem.State.RECTIFIED)
    ProblemFactory(record=record, description="材料不一致")
    ProblemFactory(record=WorkRecordFactory(shift=wang), description="窗口少", state=Problem.State.IN_PROGRESS)
    ProblemFactory(record=WorkRecordFactory(shift=practice), description="练习")
    later = WorkRecordFactory(shift=today)
    later.cases.add(new_case(hall, clerk, AS_OF))
    ProblemFactory(record=later, description="今天的问题")
    return d


@pytest.fixture
def page(client, month, hall, supervisor, monkeypatch):
    """GET the briefing (or its XLSX) of October 2024 for the hall on 2024-10-20."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(AS_OF, 10))
    client.force_login(supervisor)

    def get(name="halls:briefing"):
        response = client.get(reverse(name, args=[2024, 10]) + f"?level=hall:{hall.pk}")
        assert response.status_code == 200
        return response

    return get


def attendance(name, due, done, punctual, substituted, missed, left_early, attendance_rate, punctuality_rate,
               no_sign_out=0):
    rates = {"attendance_rate": Decimal(attendance_rate) if attendance_rate else None,
             "punctuality_rate": Decimal(punctuality_rate) if punctuality_rate else None}
    return {"name": name, "due": due, "done": done, **rates, "punctual": punctual, "substituted": substituted,
            "missed": missed, "left_early": left_early, "no_sign_out": no_sign_out,
            "attendance": f"{rates['attendance_rate'] * 100:.1f}%" if attendance_rate else "—",
            "punctuality": f"{rates['punctuality_rate'] * 100:.1f}%" if punctuality_rate else "—"}


DEPARTMENTS = [
    attendance("—", 1, 0, 0, 0, 0, 0, "0.000", None, no_sign_out=1),
    attendance("市教育局", 4, 1, 1, 1, 3, 0, "0.250", "1.000"),
    attendance("市民政局", 2, 1, 0, 0, 0, 1, "0.500", "0.000"),
    attendance("市财政局", 2, 1, 1, 1, 0, 0, "0.500", "1.000"),
]
DIRECTORS = [
    attendance("冯局长", 1, 0, 0, 0, 1, 0, "0.000", None),
    attendance("周局长", 1, 0, 0, 0, 0, 0, "0.000", None, no_sign_out=1),
    attendance("孙局长", 1, 1, 1, 1, 0, 0, "1.000", "1.000"),
    attendance("张局长", 2, 1, 1, 1, 1, 0, "0.500", "1.000"),
    attendance("李局长", 1, 0, 0, 0, 1, 0, "0.000", None),
    attendance("王局长", 1, 1, 0, 0, 0, 0, "1.000", "0.000"),
    attendance("褚局长", 1, 0, 0, 0, 0, 0, "0.000", None),
    attendance("赵局长", 1, 0, 0, 0, 0, 1, "0.000", None),
]
UNDER_QUOTA = ["周局长", "李局长", "蒋局长", "褚局长", "赵局长", "郑局长", "钱局长", "陈局长"]
# level, count, share
EVALUATIONS = [(5, 2, "33.3%"), (4, 1, "16.7%"), (3, 1, "16.7%"), (2, 1, "16.7%"), (1, 1, "16.7%")]


def summary():
    """The summary tiles, labels in Chinese as the page shows them: (label, value, ratio)."""
    with translation.override("zh-hans"):
        return [(gettext("shifts due"), 9, None), (gettext("served days"), 3, None),
                (gettext("attendance rate"), "33.3%", 0.333), (gettext("signed in on time"), 2, None),
                (gettext("punctuality rate"), "66.7%", 0.667), (gettext("A/B substitutions"), 2, None),
                (gettext("missed shifts"), 3, None), (gettext("short days"), 1, None),
                (gettext("not signed out"), 1, None),
                (gettext("directors under the monthly quota"), 8, None), (gettext("cases accepted on duty"), 2, None),
                (gettext("evaluations"), 6, None), (gettext("satisfaction rate"), "66.7%", 0.667),
                (gettext("problems raised"), 3, None), (gettext("problems rectified"), 1, None)]


def level_labels():
    from programs.halls import rules

    with translation.override("zh-hans"):
        return {level: str(label) for level, label in rules.EVALUATION_LEVELS}


def test_the_summary_figures(page):
    figures = page().context["figures"]
    assert [(str(label), value, ratio) for label, value, ratio in figures["summary"]] == summary()


def test_the_department_and_director_tables(page):
    figures = page().context["figures"]
    assert figures["departments"] == DEPARTMENTS
    assert figures["directors"] == DIRECTORS


def test_the_directors_under_the_quota(page):
    assert page().context["figures"]["under_quota"] == UNDER_QUOTA


def test_the_evaluation_distribution(page):
    labels = level_labels()
    assert page().context["figures"]["evaluations"] == [
        {"level": level, "label": labels[level], "count": count, "share": share} for level, count, share in EVALUATIONS]


def table_rows(html_text):
    """Every body row of the page's tables as a list of cell texts, in page order."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", html_text, re.S):
        if "<td" in row:
            rows.append([re.sub(r"<[^>]+>", "", cell).strip()
                         for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
    return rows


def shown(row):
    return [row["name"], str(row["due"]), str(row["done"]), row["attendance"], str(row["punctual"]),
            row["punctuality"], str(row["substituted"]), str(row["missed"]), str(row["left_early"]),
            str(row["no_sign_out"])]


def test_the_page_shows_every_table_row_in_order(page):
    html_text = page().content.decode()
    labels = level_labels()
    with translation.override("zh-hans"):
        work = [[gettext("cases accepted on duty"), "2"], [gettext("problems raised"), "3"],
                [gettext("problems rectified"), "1"]]
    assert table_rows(html_text) == ([shown(row) for row in DEPARTMENTS] + [shown(row) for row in DIRECTORS]
                                     + [[labels[level], str(count), share] for level, count, share in EVALUATIONS]
                                     + work)
    assert "<p>" + "、".join(UNDER_QUOTA) + "</p>" in html_text


def test_the_page_shows_the_summary_tiles(page):
    html_text = page().content.decode()
    tiles = re.findall(r'<div class="value">(.*?)</div><div class="label">(.*?)</div>', html_text)
    assert tiles == [(str(value), label) for label, value, _ratio in summary()]


def xlsx_row(row):
    return (row["name"], row["due"], row["done"], float(row["attendance_rate"]), row["punctual"],
            None if row["punctuality_rate"] is None else float(row["punctuality_rate"]), row["substituted"],
            row["missed"], row["left_early"], row["no_sign_out"])


def test_the_xlsx_holds_every_figure(page, hall):
    workbook = load_workbook(io.BytesIO(page("halls:briefing_xlsx").content))
    with translation.override("zh-hans"):
        titles = [gettext("Summary"), gettext("Departments"), gettext("Directors"), gettext("Under quota"),
                  gettext("Evaluations")]
        first = [(gettext("month"), "2024-10"), (gettext("halls"), hall.name)]
        header = [gettext("figure"), gettext("value")]
    assert workbook.sheetnames == titles
    summary_sheet, departments, directors, under_quota, evaluations = workbook.worksheets
    assert list(summary_sheet.iter_rows(values_only=True)) == [tuple(header), *first, *[
        (label, ratio if ratio is not None else value) for label, value, ratio in summary()]]
    assert [row for row in departments.iter_rows(min_row=2, values_only=True)] == [xlsx_row(r) for r in DEPARTMENTS]
    assert [row for row in directors.iter_rows(min_row=2, values_only=True)] == [xlsx_row(r) for r in DIRECTORS]
    assert [row[0] for row in under_quota.iter_rows(min_row=2, values_only=True)] == UNDER_QUOTA
    labels = level_labels()
    assert list(evaluations.iter_rows(min_row=2, values_only=True)) == [
        (labels[level], count) for level, count, _share in EVALUATIONS]


def test_the_xlsx_formats_shares_as_percentages_under_a_bold_header(page):
    workbook = load_workbook(io.BytesIO(page("halls:briefing_xlsx").content))
    directors = workbook.worksheets[2]
    assert all(cell.font.b for cell in directors[1])
    first = directors[2]
    assert [cell.number_format for cell in first] == [
        "General", "General", "General", "0.0%", "General", "General", "General", "General", "General", "General"]
    zhang = directors[5]  # 张局长: both rates are shares
    assert (zhang[3].number_format, zhang[5].number_format) == ("0.0%", "0.0%")
    # 28 and 16 characters wide; the file stores them with the font's padding (28 → 28.71).
    widths = directors.column_dimensions["A"].width, directors.column_dimensions["B"].width
    assert 28 <= widths[0] < 29 and 16 <= widths[1] < 17


def test_the_department_assessment_of_the_year(page, client):
    # The annual assessment counts attendance with the briefing's rules: pinned here too.
    response = client.get(reverse("halls:assessment", args=[2024]) + "?" + page().request["QUERY_STRING"])
    rows = [(row["name"], row["due"], row["done"], row["punctual"], row["substituted"], row["missed"],
             row["left_early"], row["no_sign_out"], row["attendance"], row["records"], row["cases"],
             row["problems_found"], row["problems_rectified"], row["evaluations"], row["satisfaction"])
            for row in response.context["rows"]]
    assert rows == [
        ("—", 1, 0, 0, 0, 0, 0, 1, "0.0%", 0, 0, 0, 0, 1, "100.0%"),
        ("市教育局", 5, 2, 2, 1, 3, 0, 0, "40.0%", 1, 2, 2, 1, 2, "50.0%"),
        ("市民政局", 2, 1, 0, 0, 0, 1, 0, "50.0%", 1, 0, 1, 0, 2, "100.0%"),
        ("市财政局", 2, 1, 1, 1, 0, 0, 0, "50.0%", 0, 0, 0, 0, 1, "0.0%"),
    ]
