"""URLs of many rows from one ``reverse``: a list of 50 rows with a link or three each
reversed a URL 150 times a page, a tenth of the home page's time (issue 12).

``url_maker("approvals:case_action", 2)`` reverses the pattern once with stand-in
arguments and gives a function that puts each row's arguments in their place, quoted as
``reverse`` quotes them. The arguments are the rows' own keys and registered names, which
the patterns accept; a value a pattern would refuse is not checked here.
"""
from collections.abc import Callable
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

URL_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted in an argument
# Digits, so that an <int:…> converter takes them; long and odd, so that no route holds them.
_STAND_INS = tuple(f"90817263{n}54" for n in range(10))


def url_maker(viewname: str, arity: int, *, current_app: str | None = None) -> Callable[..., str]:
    """A function of ``arity`` arguments giving ``reverse(viewname, args=...)``."""
    stand_ins = _STAND_INS[:arity]
    url = reverse(viewname, args=stand_ins, current_app=current_app)
    pieces, rest, order = [], url, []
    # Cut the URL at each stand-in, in the order they appear in it.
    while True:
        found = [(rest.find(s), i) for i, s in enumerate(stand_ins) if i not in order and s in rest]
        if not found:
            break
        position, index = min(found)
        pieces.append(rest[:position])
        order.append(index)
        rest = rest[position + len(stand_ins[index]):]
    if sorted(order) != list(range(arity)) or any(s in rest for s in stand_ins):
        return lambda *args: reverse(viewname, args=args, current_app=current_app)  # a pattern that repeats one
    pieces.append(rest)

    def make(*args) -> str:
        out = [pieces[0]]
        for index, piece in zip(order, pieces[1:], strict=True):
            out.append(quote(str(args[index]), safe=URL_SAFE))
            out.append(piece)
        return "".join(out)

    return make
