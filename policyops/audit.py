"""Writing the audit trail, and the hash chain that shows it was not rewritten.

Services call ``record`` (or ``record_event`` for an event without an object, such as a
seed load) inside their transaction. A row is inserted unsealed: computing the chain at
insert time would make every transaction in the system wait on the one before it.
``seal_audit`` (Celery beat, every minute; ``verify_audit --seal``) later takes the chain
lock, reads the committed unsealed rows in id order and gives each its place
(``chain_seq``) and ``row_hash`` = SHA-256 over its content and the previous row's hash.
A row committed late (smaller id than rows already sealed) is simply sealed later: the
chain's order is ``chain_seq``, not id. ``verify_chain`` walks the chain in that order.

On PostgreSQL a trigger (migration 0007) refuses UPDATE, DELETE and TRUNCATE of the
table, except the one sealing UPDATE per row that fills the chain columns from NULL.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from policyops.models import AuditEntry

logger = logging.getLogger(__name__)

# The "previous hash" of the first row of the chain.
GENESIS = "0" * 64
# Rows sealed per transaction: a backlog is sealed in short transactions, never one long lock.
SEAL_BATCH = 1000  # pragma: no mutate (a size: any seals the same chain)
# Rows per sealing UPDATE: its CASE has 4 parameters a row, within SQLite's 999 (Django's limit).
SEAL_UPDATE_ROWS = 200  # pragma: no mutate (a size up to 249: any seals the same chain)
# PostgreSQL advisory lock key of the chain (pg_advisory_xact_lock): one sealer at a time.
CHAIN_LOCK_KEY = 0x504F_4155  # pragma: no mutate ("POAU"; any key no other advisory lock of ours takes)
# The columns the hash covers, in the canonical JSON's order (sort_keys); chain columns excluded.
HASHED_FIELDS = ("id", "at", "actor_id", "action", "content_type_id", "object_id", "object_repr",
                 "from_state", "to_state", "reason")


def record(*, obj, action: str, actor=None, from_state: str = "", to_state: str = "", reason: str = "",
           at=None) -> AuditEntry:
    return AuditEntry.objects.create(**entry_values(
        model=type(obj), object_id=obj.pk, object_repr=str(obj), action=action, actor=actor, at=at,
        from_state=from_state, to_state=to_state, reason=reason))


def record_many(*, model, objects, action: str, actor=None, reason: str = "", at=None) -> None:
    """One row per ``(object_id, object_repr)`` of ``model`` (what an import saved), in batches,
    all at one time."""
    at = at or timezone.now()
    entries = [AuditEntry(**entry_values(model=model, object_id=object_id, object_repr=object_repr, action=action,
                                         actor=actor, at=at, reason=reason))
               for object_id, object_repr in objects]
    AuditEntry.objects.bulk_create(entries, batch_size=1000)  # pragma: no mutate (a size; Django lowers it for SQLite)


def entry_values(*, model, object_id, object_repr: str, action: str, actor=None, at=None, **extra) -> dict:
    """The columns of one audit row: every writer of rows (``record``, ``record_many``, the road
    list's bulk import) builds them here."""
    return {
        "at": at or timezone.now(),
        "actor_id": actor.pk if actor is not None and actor.is_authenticated else None,
        "action": action,
        "content_type_id": ContentType.objects.get_for_model(model).pk,
        "object_id": str(object_id),
        "object_repr": str(object_repr)[:200],
        **extra,
    }


def record_event(*, action: str, reason: str = "", actor=None, model=None, object_repr: str = "",
                 at=None) -> AuditEntry:
    """A row for an event that concerns no single object (a seed load, a calendar change):
    filed under ``model`` (the table it changed) or, without one, under AuditEntry itself."""
    model = model or AuditEntry
    return AuditEntry.objects.create(**entry_values(
        model=model, object_id="", object_repr=object_repr or str(model._meta.verbose_name_plural),
        action=action, actor=actor, at=at, reason=reason))


def entries_for(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")


# --- the hash chain ------------------------------------------------------------------------------


def row_digest(row: dict, seq: int, previous: str) -> str:
    """SHA-256 of the canonical JSON of ``row`` (HASHED_FIELDS; time in UTC ISO), its chain position
    and the previous row's hash."""
    content = {name: row[name] for name in HASHED_FIELDS}
    content["at"] = row["at"].astimezone(dt.UTC).isoformat()
    content.update(chain_seq=seq, previous=previous)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_chain(*, wait: bool) -> bool:
    """Inside the sealing transaction: the chain lock (PostgreSQL), waited for or only tried;
    whether it is held. SQLite has one writer at a time, and the unique chain_seq refuses a
    fork on any database."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {'pg_advisory_xact_lock' if wait else 'pg_try_advisory_xact_lock'}(%s)",
                       [CHAIN_LOCK_KEY])
        return wait or cursor.fetchone()[0]


def chain_head() -> tuple[int, str]:
    """(position, hash) of the last sealed row; (0, GENESIS) for an empty chain."""
    head = (AuditEntry.objects.filter(chain_seq__isnull=False).order_by("-chain_seq")
            .values_list("chain_seq", "row_hash").first())
    return head or (0, GENESIS)


def _seal_batch(*, wait: bool) -> int | None:
    """Seal up to SEAL_BATCH rows in one transaction; None if another sealer holds the chain."""
    with transaction.atomic():
        if not _lock_chain(wait=wait):
            return None
        seq, previous = chain_head()
        rows = list(AuditEntry.objects.filter(chain_seq__isnull=True).order_by("id")
                    .values(*HASHED_FIELDS)[:SEAL_BATCH])
        links = {}
        for row in rows:
            seq += 1
            previous = row_digest(row, seq, previous)
            links[row["id"]] = (seq, previous)
        items = list(links.items())
        for start in range(0, len(items), SEAL_UPDATE_ROWS):
            part = dict(items[start:start + SEAL_UPDATE_ROWS])
            if AuditEntry.objects.all()._seal(part) != len(part):
                raise RuntimeError("An audit row was sealed by someone else while the chain lock was held.")
        return len(rows)


def seal_audit(*, wait: bool = True) -> int:
    """Link every committed unsealed row into the chain; the number of rows sealed.

    ``wait=False`` (the periodic task) gives up at once while another sealer is at work:
    that one takes the rows, and a worker is not held waiting for it.
    """
    sealed = 0
    while True:
        count = _seal_batch(wait=wait)
        if count is None:
            break
        sealed += count
        if count < SEAL_BATCH:  # pragma: no mutate (<= only seals one empty batch more)
            break
    if sealed:
        seq, head = chain_head()
        logger.info("audit chain: %s rows sealed; head %s %s", sealed, seq, head)
    return sealed


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the chain does not hold."""

    kind: str  # "content": the row differs from what was sealed; "gap": positions are missing
    row_id: int
    at: dt.datetime
    chain_seq: int
    expected_seq: int  # for a gap: the first missing position


@dataclass(frozen=True)
class ChainReport:
    rows: int  # sealed rows checked
    head_seq: int
    head_hash: str
    broken: ChainBreak | None
    unsealed: int
    oldest_unsealed: dt.datetime | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain() -> ChainReport:
    """Walk the sealed rows in chain order and recompute every hash; stop at the first break."""
    from django.db.models import Count, Min

    previous, expected, checked, broken = GENESIS, 1, 0, None
    rows = (AuditEntry.objects.filter(chain_seq__isnull=False).order_by("chain_seq")
            .values(*HASHED_FIELDS, "chain_seq", "row_hash").iterator(chunk_size=5000))  # pragma: no mutate (a size)
    for row in rows:
        if row["chain_seq"] != expected:
            broken = ChainBreak("gap", row["id"], row["at"], row["chain_seq"], expected)
            break
        if row_digest(row, row["chain_seq"], previous) != row["row_hash"]:
            broken = ChainBreak("content", row["id"], row["at"], row["chain_seq"], expected)
            break
        previous, expected, checked = row["row_hash"], expected + 1, checked + 1
    unsealed = AuditEntry.objects.filter(chain_seq__isnull=True).aggregate(count=Count("id"), oldest=Min("at"))
    return ChainReport(rows=checked, head_seq=expected - 1, head_hash=previous, broken=broken,
                       unsealed=unsealed["count"], oldest_unsealed=unsealed["oldest"])
