"""Indicator readings in and out (policyops.resources.IndicatorReadingResource): each names its
indicator by the indicator's own key, so that readings of indicators sharing a name (the
districts' own targets, a target set for two years) export and import back unchanged."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from policyops.importing import import_table
from policyops.models import District, IndicatorReading
from policyops.resources import IndicatorReadingResource
from tests.factories import IndicatorFactory, IndicatorReadingFactory, PolicyDocumentFactory

pytestmark = pytest.mark.django_db
YEAR_END = dt.date(2020, 12, 31)


@pytest.fixture
def twins(seeded):
    """One name, three indicators: two documents' city-wide targets and a district's own."""
    first, second = PolicyDocumentFactory(), PolicyDocumentFactory(number="")
    district = District.objects.get(name="平度市")
    return [IndicatorFactory(document=first, name="技术合同交易额", target_year=2020),
            IndicatorFactory(document=second, name="技术合同交易额", target_year=2020),
            IndicatorFactory(document=first, name="技术合同交易额", target_year=2020, district=district)]


def imported(content: bytes, *, filename="readings.csv"):
    with translation.override("zh-hans"):
        return import_table(IndicatorReadingResource(), content, filename=filename, dry_run=False)


def test_the_readings_export_imports_back_unchanged(twins):
    for n, indicator in enumerate(twins):
        IndicatorReadingFactory(indicator=indicator, period_end=YEAR_END, value=Decimal(100 + n))
    content = IndicatorReadingResource().export().export("csv").encode()
    report = imported(content)
    assert report.ok, report.problems
    assert {r.import_type for r in report.result.rows} == {"skip"} and len(report.result.rows) == 3


def test_a_reading_finds_its_indicator_by_document_district_and_year_the_document_by_number_or_title(twins):
    header = "document,indicator,district,target_year,period_end,value,source\n"
    second_document = twins[1].document.title  # it has no number: its title is its key
    content = (header + f"{second_document},技术合同交易额,,2020,2020-12-31,7,统计公报\n"
                        f"{twins[2].document.title},技术合同交易额,平度市,2020,2020-12-31,8,统计公报\n").encode()
    report = imported(content)
    assert report.ok, report.problems
    assert IndicatorReading.objects.get(indicator=twins[1]).value == 7
    assert IndicatorReading.objects.get(indicator=twins[2]).value == 8


def test_a_name_shared_by_indicators_without_the_other_columns_is_refused_saying_which_to_fill(twins):
    report = imported("indicator,period_end,value,source\n技术合同交易额,2020-12-31,7,统计公报\n".encode())
    assert not report.ok and not IndicatorReading.objects.exists()
    message = str(report.problems[0])
    assert "技术合同交易额" in message and "document" in message and "target_year" in message


def test_a_name_of_its_own_needs_no_other_columns(seeded):
    indicator = IndicatorFactory(name="独有的指标")
    report = imported("indicator,period_end,value,source\n独有的指标,2020-12-31,7,统计公报\n".encode())
    assert report.ok, report.problems
    assert IndicatorReading.objects.get().indicator == indicator


def test_a_key_naming_no_indicator_is_refused(twins):
    header = "document,indicator,district,target_year,period_end,value,source\n"
    report = imported((header + f"{twins[0].document.number},技术合同交易额,,2035,2020-12-31,7,统计公报\n").encode())
    assert not report.ok and "技术合同交易额" in str(report.problems[0])
