"""What the road programme's admin modules share."""
from decimal import Decimal


def plain(number) -> str:
    """69.70 → "69.7", 200.00 → "200"."""
    if number is None:
        return "—"
    return format(Decimal(number).normalize(), "f")
