"""Creating and delivering notifications (in-app inbox, email, SMS webhook).

``notify`` is idempotent under the Notification unique key; ``deliver_due`` claims
pending rows (SKIP LOCKED where the database has it), sends them, and on failure keeps
them pending with exponential backoff until ``MAX_ATTEMPTS``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.request

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from policyops.models import Notification

MAX_ATTEMPTS = 8
BACKOFF_MAX = dt.timedelta(hours=6)


def channels() -> list[str]:
    """Inbox always; email for users with an address; the webhook when configured."""
    result = [Notification.Channel.INBOX, Notification.Channel.EMAIL]
    if getattr(settings, "SMS_WEBHOOK_URL", ""):
        result.append(Notification.Channel.WEBHOOK)
    return result


class NotificationBatch:
    """Messages a sweep wants to send, saved together in a fixed number of queries.

    Rows whose key (recipient, kind, object, due date, channel) already exists are left
    alone, and the insert ignores conflicts, so an overlapping sweep cannot double them.
    """

    def __init__(self, *, now: dt.datetime):
        self.now = now
        self.rows: dict[tuple, Notification] = {}

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

    def save(self) -> int:
        """Insert the new messages; returns how many were not there before."""
        if not self.rows:
            return 0
        existing = set()
        keys = list(self.rows)
        for start in range(0, len(keys), 2000):
            chunk = keys[start:start + 2000]
            existing.update(Notification.objects.filter(
                kind__in={k[1] for k in chunk}, content_type_id__in={k[2] for k in chunk},
                object_id__in={k[3] for k in chunk}, due_date__in={k[4] for k in chunk},
            ).values_list("recipient_id", "kind", "content_type_id", "object_id", "due_date", "channel"))
        new = [row for key, row in self.rows.items() if key not in existing]
        Notification.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        return len(new)


def notify(*, recipients, kind: str, obj, due_date: dt.date, subject: str, body: str = "", url: str = "",
           now: dt.datetime) -> int:
    """Queue one message per recipient and channel; returns how many were new."""
    batch = NotificationBatch(now=now)
    batch.add(recipients=recipients, kind=kind, obj=obj, due_date=due_date, subject=subject, body=body, url=url)
    return batch.save()


def backoff(attempts: int) -> dt.timedelta:
    base = dt.timedelta(seconds=settings.NOTIFICATION_BACKOFF_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _send(notification: Notification) -> None:
    if notification.channel == Notification.Channel.EMAIL:
        send_mail(notification.subject, f"{notification.body}\n\n{notification.url}".strip(),
                  settings.DEFAULT_FROM_EMAIL, [notification.recipient.email], fail_silently=False)
    elif notification.channel == Notification.Channel.WEBHOOK:
        payload = json.dumps({"id": notification.pk, "to": getattr(getattr(notification.recipient, "person", None),
                                                                    "phone", ""),
                              "text": notification.subject, "kind": notification.kind}, ensure_ascii=False).encode()
        signature = hmac.new(settings.SMS_WEBHOOK_SECRET.encode(), payload, hashlib.sha256).hexdigest()
        request = urllib.request.Request(settings.SMS_WEBHOOK_URL, data=payload, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "X-PolicyOps-Signature": f"sha256={signature}"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (configured URL)
            if response.status >= 300:
                raise OSError(f"webhook answered {response.status}")


def deliver_due(*, now: dt.datetime, limit: int = 200) -> dict:
    """Send pending messages whose time has come. Safe to run in parallel and to re-run."""
    sent = failed = 0
    with transaction.atomic():
        qs = (Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)
              .select_related("recipient__person").order_by("next_attempt_at", "id"))
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        batch = list(qs[:limit])
        for notification in batch:
            try:
                _send(notification)
            except Exception as exc:  # any failure of a channel: retry later
                notification.attempts += 1
                notification.last_error = str(exc)[:300]
                if notification.attempts >= MAX_ATTEMPTS:
                    notification.status = Notification.Status.FAILED
                else:
                    notification.next_attempt_at = now + backoff(notification.attempts)
                failed += 1
            else:
                notification.attempts += 1
                notification.status = Notification.Status.SENT
                notification.sent_at = now
                sent += 1
        Notification.objects.bulk_update(batch, ["attempts", "status", "sent_at", "next_attempt_at", "last_error"])
    return {"sent": sent, "failed": failed}


def inbox(user):
    return Notification.objects.filter(recipient=user, channel=Notification.Channel.INBOX)


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def mark_read(*, user, ids=None, now=None) -> int:
    qs = inbox(user).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=now or timezone.now())
