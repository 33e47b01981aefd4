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


TRANSLATION_FUNCTIONS = {"gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy",
                         "npgettext", "npgettext_lazy"}
# Words that read the same in Chinese: the language switcher's own name for English, the product's name.
SAME_IN_CHINESE = {"English", "PolicyOps"}


def literal_messages(path: Path):
    """(line, msgid, the zh-hans text) of each translation call with literal arguments in one module."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.asname or alias.name: alias.name for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
             for alias in node.names if alias.name in TRANSLATION_FUNCTIONS}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
            continue
        function = names[node.func.id]
        plural, context = function.startswith("n"), function.startswith(("p", "np"))
        wanted = 1 + plural + context
        args = [arg.value for arg in node.args[:wanted] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
        if len(args) < wanted:
            continue
        call = getattr(translation, function.removesuffix("_lazy"))
        with translation.override("zh-hans"):
            text = call(*args, 2) if plural else call(*args)
        yield node.lineno, args[-1], text


def test_every_message_in_the_code_has_its_chinese():
    # A string makemessages cannot find (it was under an alias, `_lazy`) stayed English on
    # Chinese pages: the road project page's reasons for no reward.
    missing = [f"{path.relative_to(settings.BASE_DIR)}:{line} {msgid!r}"
               for app in ("policyops", "approvals", "programs")
               for path in sorted((LOCALES.parent / app).rglob("*.py")) if "migrations" not in path.parts
               for line, msgid, text in literal_messages(path)
               if text == msgid and msgid not in SAME_IN_CHINESE and any(c.isascii() and c.isalpha() for c in msgid)]
    assert missing == []
