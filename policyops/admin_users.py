"""The user admin: supervisors manage accounts, only superusers grant power, nobody sets another's password.

Django's default User admin lets anyone with ``auth.change_user`` (the supervisors) tick
``is_superuser``, add themselves to any group or permission and set any account's
password. Here:

- only a superuser grants roles (groups), user permissions, staff or superuser status;
  for everyone else those fields are read-only;
- a non-superuser may not change (or delete) a superuser account at all, nor change the
  e-mail address of another account (the address the reset link goes to);
- nobody sets another person's password in the admin: the password form answers 403
  for other accounts (a user changes their own on the admin's "change password" page);
  the account's owner sets it through a reset link sent to their e-mail address, with
  Django's PasswordResetForm and token generator, and every link sent is audited.

Every account and role added, changed or deleted here leaves an audit row (AuditedAdminMixin);
a change of an account or a role says what its privileges are after it, so the audit trail
answers "who made this person a supervisor, and when" without the admin log.
"""
import ipaddress

from axes import admin as axes_admin  # registers axes' admins first; they are re-registered audited below
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import PasswordResetForm, UserChangeForm, UsernameField
from django.contrib.auth.models import Group
from django.contrib.auth.views import PasswordResetCompleteView, PasswordResetConfirmView
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail as deliver_mail
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops import audit
from policyops.admin_base import AuditedAdminMixin, audited, change_message_text
from policyops.admin_list import PrecomputedResultListMixin

User = get_user_model()

# What only a superuser may set on an account.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
RESET_LINK_ACTION = "send_password_reset_link"


def permission_names(permissions) -> str:
    """``app_label.codename`` of each permission, sorted; "—" for none."""
    names = permissions.values_list("content_type__app_label", "codename")
    return ", ".join(sorted(f"{app}.{codename}" for app, codename in names)) or "—"


def changed_leaving(message, privileges: str) -> str:
    """An account's or a role's audit reason: the change, then what it may do after it."""
    return _("%(change)s After the change: %(privileges)s") % {"change": change_message_text(message),
                                                                "privileges": privileges}


def account_privileges(account) -> str:
    """What an account may do, as the audit row of its change records it."""
    groups = "、".join(sorted(account.groups.values_list("name", flat=True))) or "—"
    return (f"is_active={account.is_active} is_staff={account.is_staff} is_superuser={account.is_superuser} "
            f"groups={groups} user_permissions={permission_names(account.user_permissions)}")


class AccountResetLinkForm(PasswordResetForm):
    """Django's password-reset form aimed at one chosen account (not looked up by its e-mail address).

    The link opens the admin's own reset page (``admin:auth_user_password_reset_confirm``).
    A failed send raises, so the caller can tell the user and write no audit row.
    """

    def __init__(self, account):
        super().__init__(data={"email": account.email})
        self.account = account

    def get_users(self, email):
        return [self.account]

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        link = "{}://{}{}".format(context["protocol"], context["domain"], reverse(
            "admin:auth_user_password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}))
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 3600))
        subject = _("Set your PolicyOps password")
        body = _("Open this link to set the password of your PolicyOps account “%(username)s”:\n\n%(link)s\n\n"
                 "The link works once and expires in %(days)s days. If you did not ask for it, ignore this "
                 "message.") % {"username": self.account.get_username(), "link": link, "days": days}
        deliver_mail(subject, body, from_email, [to_email], fail_silently=False)


def send_reset_link(request, account) -> bool:
    """Send ``account`` a link to set its password and audit it; False (with a message) when impossible."""
    if not account.is_active or not account.email:
        messages.error(request, _("%(user)s: no reset link sent (the account is inactive or has no e-mail "
                                  "address).") % {"user": account.get_username()})
        return False
    form = AccountResetLinkForm(account)
    if not form.is_valid():
        messages.error(request, _("%(user)s: no reset link sent (the e-mail address is not valid).")
                       % {"user": account.get_username()})
        return False
    try:
        form.save(request=request, use_https=request.is_secure())
    except (OSError, ValueError) as exc:  # SMTP and connection errors, bad headers: tell, audit nothing
        messages.error(request, _("%(user)s: the reset link could not be sent (%(error)s).")
                       % {"user": account.get_username(), "error": exc})
        return False
    audit.record(obj=account, action=RESET_LINK_ACTION, actor=request.user, reason=account.email)
    return True


class UserAddForm(forms.ModelForm):
    """A new account: its name and e-mail address. It has no usable password until its owner sets one."""

    class Meta:
        model = User
        fields = ("username", "email", "first_name", "last_name")
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True  # the reset link is the only way to a password

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class UserChangeWithoutPasswordForm(UserChangeForm):
    """Django's change form without its password field (and its link to the set-password page)."""

    password = None


class PolicyOpsUserAdmin(AuditedAdminMixin, UserAdmin):
    # Decision: supervisors may add accounts, but a new account gets no role, staff status or password from anyone.
    form = UserChangeWithoutPasswordForm
    add_form = UserAddForm
    add_form_template = None  # the standard change form; Django's asks for a password
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "email", "first_name", "last_name")}),)
    fieldsets = (
        (None, {"fields": ("username", "password_state")}),
        (gettext_lazy("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (gettext_lazy("Permissions"), {"fields": ("is_active", *PRIVILEGE_FIELDS)}),
        (gettext_lazy("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    actions = ["send_password_reset_links"]

    def audit_reason(self, obj, message) -> str:
        return changed_leaving(message, account_privileges(obj))

    # Who may change what.

    def _guards_superuser(self, request, obj):
        return obj is not None and obj.is_superuser and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._guards_superuser(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._guards_superuser(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["password_state", "last_login", "date_joined", *super().get_readonly_fields(request, obj)]
        if not request.user.is_superuser:
            readonly += PRIVILEGE_FIELDS
            if obj is not None and obj.pk != request.user.pk:
                readonly.append("email")  # where a reset link goes: not redirected by a peer
        return readonly

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            # The privilege fields are read-only (not in the form); refuse anything that changed them anyway.
            before = User.objects.get(pk=obj.pk) if change else User()
            if (obj.is_staff, obj.is_superuser) != (before.is_staff, before.is_superuser):
                raise PermissionDenied
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)  # the account's admin_add row first, then the link's
        if obj.email and send_reset_link(request, obj):
            self.message_user(request, _("A link to set the password was sent to %(email)s.") % {"email": obj.email},
                              messages.SUCCESS)
        return entry

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._admin_viewer_pk = request.user.pk  # for password_state, which gets only the object
        return obj

    @admin.display(description=gettext_lazy("password"))
    def password_state(self, obj):
        if obj is None or not obj.pk:
            return "—"
        state = _("a password is set") if obj.has_usable_password() else _("no password yet")
        if getattr(obj, "_admin_viewer_pk", None) == obj.pk:
            return format_html('{} <a class="button" href="{}">{}</a>', state, reverse("admin:password_change"),
                               _("Change my password"))
        return format_html('{} <span class="help">{}</span>', state, _(
            "Only the account's owner sets it: use the action “Send a link to set the password”."))

    # Passwords: nobody sets another person's; a link lets the owner set it.

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and user.pk == request.user.pk:
            return redirect("admin:password_change")
        raise PermissionDenied

    @admin.action(description=gettext_lazy("Send a link to set the password"), permissions=["change"])
    def send_password_reset_links(self, request, queryset):
        sent = 0
        for account in queryset:
            if not self.has_change_permission(request, account):
                self.message_user(request, _("%(user)s: only a superuser may act on this account.")
                                  % {"user": account.get_username()}, messages.ERROR)
                continue
            sent += send_reset_link(request, account)
        if sent:
            self.message_user(request, _("%(count)s reset link(s) sent.") % {"count": sent}, messages.SUCCESS)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            # Public: opened from the e-mail, before the owner can log in.
            path("password-reset/<uidb64>/<token>/", self.reset_confirm_view,
                 name="%s_%s_password_reset_confirm" % info),
            path("password-reset/done/", self.reset_complete_view, name="%s_%s_password_reset_complete" % info),
            *super().get_urls(),
        ]

    def reset_confirm_view(self, request, uidb64, token):
        return PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("admin:auth_user_password_reset_complete"),
            extra_context=self.admin_site.each_context(request),
        )(request, uidb64=uidb64, token=token)

    def reset_complete_view(self, request):
        return PasswordResetCompleteView.as_view(extra_context=self.admin_site.each_context(request))(request)


class PolicyOpsGroupAdmin(AuditedAdminMixin, GroupAdmin):
    """Roles (groups) as Django's admin keeps them, audited with the permissions a change leaves."""

    def audit_reason(self, obj, message) -> str:
        return changed_leaving(message, f"permissions={permission_names(obj.permissions)}")


class LoginLogListMixin(PrecomputedResultListMixin):
    """django-axes' logs of logins and of mistyped passwords, listed fast however long they grow.

    axes writes a row per login and per failure and never deletes one: a year of the city's
    logins is about half a million rows, and axes' own admin (a date hierarchy, a filter on the
    paths in use, every row counted twice, sorted by a column without an index) took 0.38 s for
    its first page (issue 12). Here the list is capped and counted as the other long lists, the
    dates are filtered as ranges, and the rows come newest first from the index that migration
    policyops 0012 adds.

    The search finds a user name (any part of an account's name, or exactly as typed: a failure
    may name no account) or an address (exactly), each through its own index; axes' search of
    every column's contents read the whole log.
    """

    date_hierarchy = None
    ordering = ("-attempt_time", "-id")
    sortable_by = ("attempt_time",)
    search_fields = ("username", "ip_address")
    search_help_text = gettext_lazy("User name (or a part of it), or an IP address.")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        names = [term, *User.objects.filter(username__icontains=term).values_list("username", flat=True)]
        found = Q(username__in=names)
        try:
            found |= Q(ip_address=str(ipaddress.ip_address(term)))
        except ValueError:
            pass  # not an address
        return queryset.filter(found), False


class LoginLogAdmin(AuditedAdminMixin, LoginLogListMixin, axes_admin.AccessLogAdmin):
    list_filter = (("attempt_time", admin.DateFieldListFilter), ("logout_time", admin.DateFieldListFilter))


class LoginFailureLogAdmin(AuditedAdminMixin, LoginLogListMixin, axes_admin.AccessFailureLogAdmin):
    list_filter = (("attempt_time", admin.DateFieldListFilter), "locked_out")


# Deleting a login lockout (AccessAttempt) lets the locked-out pair try again: the trail names who did.
for _model, _admin in ((User, PolicyOpsUserAdmin), (Group, PolicyOpsGroupAdmin),
                       (AccessAttempt, audited(axes_admin.AccessAttemptAdmin)),
                       (AccessLog, LoginLogAdmin),
                       (AccessFailureLog, LoginFailureLogAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
