"""Valid project lists of any length, for tests and the import benchmark.

``sample_xlsx(10_000)`` is a workbook a programme manager of 平度市 may import as it is:
the import page's columns, every work type in turn, numbers written as people write them
("12.5公里", "2座", "300万元") and as Excel stores them (plain numbers), unique names.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from programs.roads.resources import PROJECT_COLUMNS
from programs.roads.rules import BaseLayer, Surface, WorkType

# One row of each kind, repeated: (work type, quantity cell, design, bus facilities).
_KINDS = (
    (WorkType.UPGRADE, "12.5公里", True, None),
    (WorkType.VILLAGE_ACCESS, 3.2, True, None),
    (WorkType.MAJOR_REPAIR, "8", True, None),
    (WorkType.MEDIUM_REPAIR, "5.5km", True, None),
    (WorkType.PREVENTIVE, 20, False, None),
    (WorkType.BRIDGE, "2座", False, None),
    (WorkType.BUS_STOP, "3个", False, (1, 1, 2)),
)
PLAN_YEARS = (2018, 2019, 2020)


def sample_row(number: int, *, district: str = "平度市", prefix: str = "样例路") -> dict[str, object]:
    """Row ``number`` of a sample list, by attribute (PROJECT_COLUMNS' keys)."""
    work_type, quantity, designed, bus = _KINDS[number % len(_KINDS)]
    row = {
        "district": district,
        "town": f"样例{number % 20 + 1}镇",
        "name": f"{prefix}{number:06d}号{work_type}",
        "work_type": work_type,
        "quantity": quantity,
        "pavement_width_m": "6.5" if designed else "",
        "surface": Surface.ASPHALT if designed else "",
        "surface_thickness_cm": 5 if designed else "",
        "base_layer": BaseLayer.RIGID_CRUSHED_STONE if designed else "",
        "passing_bays": 0,
        "poverty_km": "1" if designed else 0,
        "estimate_wan": f"{Decimal(100 + number % 900)}万元",
        "plan_year": PLAN_YEARS[number % len(PLAN_YEARS)],
        "excess": "否" if number % 5 else "是",
        "bus_bays": bus[0] if bus else 0,
        "bus_shelters": bus[1] if bus else 0,
        "bus_signs": bus[2] if bus else 0,
        "responsible_unit": f"{district}交通运输局",
        "contact": f"联系人{number % 50}",
    }
    return row


def sample_rows(count: int, *, start: int = 0, **kwargs) -> list[list[object]]:
    """``count`` rows (numbers ``start`` … ``start + count - 1``), each a list in column order."""
    return [list(sample_row(n, **kwargs).values()) for n in range(start, start + count)]


def sample_xlsx(count: int, **kwargs) -> bytes:
    """A workbook of ``count`` valid rows under the import's header (see ``sample_row``)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(PROJECT_COLUMNS.values()))
    for values in sample_rows(count, **kwargs):
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sample_csv(count: int, **kwargs) -> bytes:
    """The same rows as a UTF-8 CSV (with BOM, as Excel writes it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PROJECT_COLUMNS.values())
    writer.writerows(sample_rows(count, **kwargs))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
