"""What tests of pages share: the messages a page shows, and a message as the Chinese page says it."""
from django.utils import translation
from django.utils.translation import gettext


def messages_of(response, level_tag: str | None = None) -> list[str]:
    """The messages ``response``'s page shows (those of one level: "success", "error", …)."""
    if not response.context:
        return []
    return [str(m) for m in response.context["messages"] if level_tag is None or m.level_tag == level_tag]


def zh(message: str, **values) -> str:
    """``message`` as the Chinese page says it, its ``%(name)s`` filled from ``values``."""
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % values if values else text
