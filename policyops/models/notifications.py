"""Every message PolicyOps sends goes through this one table."""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one recipient on one channel.

    The unique key (recipient, kind, object, due date, channel) is what makes every
    sweep safe to retry or overlap: a second insert of the same reminder is a no-op.
    """

    # A record of what was written, sent or issued: manage.py plain_text leaves its text alone.
    keeps_text_as_written = True

    class Channel(models.TextChoices):
        INBOX = "inbox", _("in-app inbox")
        EMAIL = "email", _("email")
        WEBHOOK = "webhook", _("SMS gateway (webhook)")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed (gave up)")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(_("kind"), max_length=50)
    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.CASCADE)
    object_id = models.CharField(_("object id"), max_length=64)
    due_date = models.DateField(_("due date"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.INBOX)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["recipient", "kind", "content_type", "object_id", "due_date", "channel"],
            name="notification_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["recipient", "channel", "read_at"]),
                   # The inbox, newest first: without it a supervisor's million messages were sorted
                   # to show a page of them (0.39 s, issue 12).
                   models.Index(fields=["recipient", "channel", "-created_at", "-id"],
                                name="notification_inbox_newest"),
                   # A sweep asks which of its messages exist by object (NotificationBatch.save); the
                   # unique key leads with the recipient, so without this it scans the table (issue 12).
                   models.Index(fields=["content_type", "object_id", "kind", "due_date"],
                                name="notification_by_object")]

    def __str__(self):
        return f"{self.recipient} {self.kind} {self.due_date}"

    @property
    def content_object(self):
        return ContentType.objects.get_for_id(self.content_type_id).get_object_for_this_type(pk=self.object_id)
