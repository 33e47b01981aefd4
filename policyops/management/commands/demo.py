from django.core.management import call_command
from django.core.management.base import BaseCommand

from policyops.demo import build_demo


class Command(BaseCommand):
    help = "Load the seeds plus a bounded synthetic data set and demo users for each role."

    def handle(self, *args, **options):
        call_command("load_seeds", stdout=self.stdout, stderr=self.stderr)
        build_demo(log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/admin/"))
