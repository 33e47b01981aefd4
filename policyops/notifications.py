"""Creating and delivering notifications (in-app inbox, email, SMS webhook).

``notify`` is idempotent under the Notification unique key; ``deliver_due`` claims
pending rows one at a time (SKIP LOCKED where the database has it), committing each claim
before sending and each outcome right after, so a crash repeats at most one message; on
failure a row stays pending with exponential backoff until ``MAX_ATTEMPTS``. Every send
carries the row's idempotency key (``Idempotency-Key`` header of the webhook, the email's
Message-ID) so that a gateway can drop that one repeat.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.request

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.db import connection, connections, router, transaction
from django.db.models import F
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone

from policyops.models import Notification

MAX_ATTEMPTS = 8  # pragma: no mutate (a retry budget, no rule's)
BACKOFF_MAX = dt.timedelta(hours=6)


def channels() -> list[str]:
    """Inbox always; email for users with an address; the webhook when configured."""
    result = [Notification.Channel.INBOX, Notification.Channel.EMAIL]
    if getattr(settings, "SMS_WEBHOOK_URL", ""):
        result.append(Notification.Channel.WEBHOOK)
    return result


class NotificationBatch:
    """Messages a sweep wants to send, inserted in a few statements.

    ``add`` queues messages; ``flush`` inserts the queued ones and forgets them, so a sweep
    over many objects flushes after each chunk and holds one chunk's messages at a time;
    ``save`` flushes and returns how many rows the batch inserted in all (call it once, at
    the end; a sweep that never flushes just calls ``save``). A row whose key (recipient,
    kind, object, due date, channel) exists already, from an earlier or an overlapping
    sweep, is skipped by the insert itself (ON CONFLICT DO NOTHING): no look-up first.
    """

    def __init__(self, *, now: dt.datetime):
        self.now = now
        self.rows: dict[tuple, Notification] = {}
        self.inserted = 0

    def add(self, *, recipients, kind: str, obj, due_date: dt.date, subject: str, body: str = "",
            url: str = "") -> None:
        content_type = ContentType.objects.get_for_model(obj)  # cached by Django after the first call
        for user in recipients:
            if user is None or not user.is_active:
                continue
            for channel in channels():
                if channel == Notification.Channel.EMAIL and not user.email:
                    continue
                key = (user.pk, kind, content_type.pk, str(obj.pk), due_date, channel)
                if key in self.rows:
                    continue
                is_inbox = channel == Notification.Channel.INBOX
                self.rows[key] = Notification(
                    recipient_id=user.pk, kind=kind, content_type_id=content_type.pk, object_id=str(obj.pk),
                    due_date=due_date, channel=channel, subject=subject[:200], body=body, url=url[:300],
                    created_at=self.now,
                    # The inbox is the table itself: stored is delivered.
                    status=Notification.Status.SENT if is_inbox else Notification.Status.PENDING,
                    sent_at=self.now if is_inbox else None, next_attempt_at=None if is_inbox else self.now)

    def flush(self) -> int:
        """Insert the queued messages and forget them; returns how many were not there before."""
        rows, self.rows = list(self.rows.values()), {}
        inserted = _insert_new(rows) if rows else 0
        self.inserted += inserted
        return inserted

    def save(self) -> int:
        """Flush; returns how many rows this batch inserted in all, earlier flushes included."""
        self.flush()
        return self.inserted


# Rows per INSERT statement (SQLite may allow fewer: its limit of query parameters).
INSERT_BATCH = 1000  # pragma: no mutate (a size: any inserts the same rows)


def _insert_new(rows: list[Notification]) -> int:
    """Insert ``rows`` skipping those whose key exists; returns how many were really inserted.

    The statements are the ones bulk_create(ignore_conflicts=True) runs (Django's own insert:
    ON CONFLICT DO NOTHING with UNNEST on PostgreSQL, INSERT OR IGNORE on SQLite), executed here
    because bulk_create tells no count. The count is each statement's own row count
    (PostgreSQL's command tag, SQLite's changes()): the rows that statement inserted, never one
    another sweep inserted. That holds under concurrent sweeps: on PostgreSQL a row whose key an
    overlapping, uncommitted sweep has just inserted waits for that sweep, then is skipped if it
    committed (inserted if it rolled back), so the two counts add up to the rows stored. Counting
    the table before and after would count the other sweep's committed rows as ours.
    """
    db = connections[router.db_for_write(Notification)]
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    size = max(1, min(INSERT_BATCH, db.ops.bulk_batch_size(fields, rows)))  # pragma: no mutate (a size)
    inserted = 0
    with db.cursor() as cursor:
        for start in range(0, len(rows), size):
            query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
            query.insert_values(fields, rows[start:start + size])
            for sql, params in query.get_compiler(connection=db).as_sql():
                cursor.execute(sql, params)
                inserted += cursor.rowcount
    return inserted


def notify(*, recipients, kind: str, obj, due_date: dt.date, subject: str, body: str = "", url: str = "",
           now: dt.datetime) -> int:
    """Queue one message per recipient and channel; returns how many were new.

    Called by a step of the web (a filed substitution, …): its delivery is queued once the
    step commits, so the message goes out now rather than at the next minute's delivery.
    If the broker is down the rows simply wait, pending, for that delivery.
    """
    batch = NotificationBatch(now=now)
    batch.add(recipients=recipients, kind=kind, obj=obj, due_date=due_date, subject=subject, body=body, url=url)
    inserted = batch.save()
    if inserted:
        from policyops.enqueue import enqueue
        from policyops.tasks import deliver_notifications

        enqueue(deliver_notifications)
    return inserted


def backoff(attempts: int) -> dt.timedelta:
    base = dt.timedelta(seconds=settings.NOTIFICATION_BACKOFF_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# One claim lasts this long: a worker that dies while sending leaves its message claimed
# until then, and the next delivery after it sends the message again (with the same
# idempotency key). It must outlast a batch plus one send: BATCH_SECONDS + SEND_TIMEOUT.
LEASE = dt.timedelta(minutes=5)
# A batch claims no new message after this long (its claims all start from its ``now``);
# what is left waits for the next run, a minute later.
BATCH_SECONDS = 120  # pragma: no mutate (a time budget, no rule's)
# Seconds one email or webhook call may take (socket timeout).
SEND_TIMEOUT = 30  # pragma: no mutate (a time budget, no rule's)


def idempotency_key(notification: Notification) -> str:
    """The same for every attempt of one message: a gateway drops a second delivery by it."""
    return f"policyops-notification-{notification.pk}"


def _send_email(notification: Notification) -> None:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    message = EmailMessage(notification.subject, f"{notification.body}\n\n{notification.url}".strip(),
                           settings.DEFAULT_FROM_EMAIL, [notification.recipient.email],
                           headers={"Message-ID": f"<{idempotency_key(notification)}@{domain}>"},
                           connection=get_connection(timeout=SEND_TIMEOUT))
    message.send()  # not silently: a failure raises, and the row records it


def _send_webhook(notification: Notification) -> None:
    payload = json.dumps({"id": notification.pk, "to": getattr(getattr(notification.recipient, "person", None),
                                                                "phone", ""),
                          "text": notification.subject, "kind": notification.kind},
                         ensure_ascii=False).encode()  # pragma: no mutate (either is the same JSON in UTF-8)
    signature = hmac.new(settings.SMS_WEBHOOK_SECRET.encode(), payload, hashlib.sha256).hexdigest()
    request = urllib.request.Request(settings.SMS_WEBHOOK_URL, data=payload, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "X-PolicyOps-Signature": f"sha256={signature}",
        "Idempotency-Key": idempotency_key(notification)})
    _post(request)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse to follow: urllib would follow a 301/302/303 answer to a POST as a GET, and the
    message would count as sent while the gateway never took it."""

    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError for the redirect


_WEBHOOK_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(request: urllib.request.Request) -> None:
    """Send ``request``; HTTPError (an OSError) for any answer outside 2xx, a redirect included."""
    with _WEBHOOK_OPENER.open(request, timeout=SEND_TIMEOUT):
        pass


def _send(notification: Notification) -> None:
    if notification.channel == Notification.Channel.EMAIL:
        _send_email(notification)
    elif notification.channel == Notification.Channel.WEBHOOK:
        _send_webhook(notification)


def _due(now: dt.datetime):
    return Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)


def _claim_next(now: dt.datetime) -> Notification | None:
    """Take the next due message in a short transaction of its own, committed before it is sent.

    Claiming counts the attempt and moves its next attempt to ``now + LEASE``: no other
    delivery takes it meanwhile, and if this worker dies before recording the outcome, the
    message is due again when the lease ends. The update is conditional on the attempt count
    read (a compare-and-set): two deliveries never claim the same attempt, with or without
    SKIP LOCKED (SQLite has none). A message claimed MAX_ATTEMPTS times without an outcome
    (its worker died each time) is given up instead of being sent once more.
    """
    while True:
        with transaction.atomic():
            qs = _due(now).select_related("recipient__person").order_by("next_attempt_at", "id")
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            notification = qs.first()
            if notification is None:
                return None
            mine = Notification.objects.filter(pk=notification.pk, status=Notification.Status.PENDING,
                                               attempts=notification.attempts)
            if notification.attempts >= MAX_ATTEMPTS:
                mine.update(status=Notification.Status.FAILED, next_attempt_at=None,
                            last_error=f"no outcome after {notification.attempts} attempts (worker lost)")
                continue
            claimed = mine.update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
        if claimed:
            notification.attempts += 1
            return notification


def _record_sent(notification: Notification, *, now: dt.datetime) -> None:
    # Sent whatever happened meanwhile: a later claim of the same message (this one's lease
    # ran out) sent it too, with the same idempotency key.
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENT, sent_at=now, next_attempt_at=None, last_error="")


def _record_failure(notification: Notification, error: Exception, *, now: dt.datetime) -> None:
    gave_up = notification.attempts >= MAX_ATTEMPTS
    # Only this claim's outcome: never over a later claim's, nor over a message already sent.
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.PENDING,
                                attempts=notification.attempts).update(
        status=Notification.Status.FAILED if gave_up else Notification.Status.PENDING,
        next_attempt_at=None if gave_up else now + backoff(notification.attempts), last_error=str(error)[:300])


def deliver_due(*, now: dt.datetime, limit: int = 200, clock=time.monotonic) -> dict:
    """Send pending messages whose time has come, each claimed, sent and recorded on its own.

    A worker killed mid-batch loses nothing and repeats at most the one message it was
    sending (after its LEASE, with the same idempotency key): the ones before are recorded
    sent, the ones after are still pending. Safe to run in parallel and to re-run.
    ``clock`` measures the batch's duration only (BATCH_SECONDS); every time written comes from ``now``.
    """
    sent = failed = 0
    started = clock()
    for _ in range(limit):
        if clock() - started > BATCH_SECONDS:
            break
        notification = _claim_next(now)
        if notification is None:
            break
        try:
            _send(notification)
        except Exception as exc:  # any failure of a channel: retry later
            _record_failure(notification, exc, now=now)
            failed += 1
        else:
            _record_sent(notification, now=now)
            sent += 1
    return {"sent": sent, "failed": failed}


def inbox(user):
    return Notification.objects.filter(recipient=user, channel=Notification.Channel.INBOX)


# The bell counts at most this many unread messages and shows "99+" past it: a supervisor's
# inbox may hold a very long unread tail, and each page would count it (issue 12).
UNREAD_SHOWN = 99


def unread_count(user) -> int:
    """Unread inbox messages, counted to UNREAD_SHOWN + 1 at most."""
    # Unordered: sorting by date first would read and sort a long unread tail only to count it.
    return inbox(user).filter(read_at__isnull=True).order_by()[:UNREAD_SHOWN + 1].count()


def unread_badge(user) -> str:
    """The bell's text: "" when nothing is unread, "99+" past UNREAD_SHOWN."""
    count = unread_count(user)
    return "" if not count else f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else str(count)


def mark_read(*, user, ids=None, now=None) -> int:
    qs = inbox(user).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=now or timezone.now())
