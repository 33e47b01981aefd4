from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from policyops.plain_text import stored_text_cleanup


class Command(BaseCommand):
    help = ("List the rows whose text holds invisible characters (zero-width spaces, direction overrides, "
            "control characters: stored before every form, the API and the imports removed them), by table "
            "and column; with --apply, remove them (policyops.plain_text).")

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true",
                            help="Make those rows plain, each in an UPDATE of its own, with one audit row per "
                                 "table. A row that would then repeat another's unique value is left as it is.")

    def handle(self, *args, apply, **options):
        tables = stored_text_cleanup(apply=apply)
        if not tables:
            self.stdout.write(self.style.SUCCESS(_("No row holds invisible characters.")))
            return
        for table in tables:
            columns = ", ".join(f"{column} ({count})" for column, count in sorted(table.columns.items()))
            self.stdout.write(_("%(table)s: %(rows)s row(s) — %(columns)s")
                              % {"table": table.model._meta.label, "rows": table.rows, "columns": columns})
            if apply:
                self.stdout.write(_("  made plain: %(changed)s") % {"changed": table.changed})
            if table.clashes:
                self.stdout.write(self.style.WARNING(
                    _("  left as they are (made plain, they would repeat another row's unique value): keys %(keys)s")
                    % {"keys": ", ".join(str(key) for key in table.clashes)}))
        if not apply:
            self.stdout.write(_("Nothing was changed; run again with --apply to make these rows plain."))
