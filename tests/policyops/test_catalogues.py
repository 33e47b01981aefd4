"""The two zh-hans catalogues: policyops/locale (our sources' strings, kept by ``make messages``)
and policyops/locale_vendor (third-party strings their own catalogues lack, edited by hand)."""
import gettext
from pathlib import Path

from django.conf import settings
from django.utils import translation

LOCALES = Path(settings.BASE_DIR) / "policyops"


def catalogue(locale_dir: str) -> dict:
    with open(LOCALES / locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.mo", "rb") as mo:
        return {key: text for key, text in gettext.GNUTranslations(mo)._catalog.items() if key}


def test_the_login_lockout_admin_is_in_chinese():
    from axes.models import AccessLog

    # django-axes has no zh_Hans catalogue; its labels come from locale_vendor, which
    # `make messages` leaves alone (in locale/ they were marked obsolete and lost).
    with translation.override("zh-hans"):
        labels = {f.name: str(f.verbose_name) for f in AccessLog._meta.fields}
    assert labels["user_agent"] == "浏览器标识" and labels["ip_address"] == "IP 地址" and labels["path_info"] == "路径"


def test_a_string_in_both_catalogues_reads_the_same_in_both():
    # Both are on LOCALE_PATHS; the first would win a disagreement (":" is ours and Django's).
    ours, vendors = catalogue("locale"), catalogue("locale_vendor")
    assert {key: (ours[key], vendors[key]) for key in ours.keys() & vendors.keys() if ours[key] != vendors[key]} == {}
