from .audit import AuditEntry
from .calendar import CalendarOverride, OfficialCalendarYear
from .ledger import Indicator, IndicatorReading, PolicyDocument, PolicyTask
from .notifications import Notification
from .numbering import NumberSequence
from .organisations import Department, District, Person, ServiceHall

__all__ = [
    "AuditEntry",
    "CalendarOverride",
    "Department",
    "District",
    "Indicator",
    "IndicatorReading",
    "Notification",
    "NumberSequence",
    "OfficialCalendarYear",
    "Person",
    "PolicyDocument",
    "PolicyTask",
    "ServiceHall",
]
