import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from policyops.demo import build_demo
from policyops.management.commands.serve import display_address


class Command(BaseCommand):
    help = "Load the seeds plus a bounded synthetic data set and demo users for each role."

    def add_arguments(self, parser):
        # `make run ADDRPORT=…` passes the address `serve` will listen on, so the message names it.
        parser.add_argument("addrport", nargs="?", default=os.environ.get("ADDRPORT") or "127.0.0.1:8000",
                            help="The address 'manage.py serve' will listen on (default 127.0.0.1:8000).")

    def handle(self, *args, **options):
        call_command("load_seeds", stdout=self.stdout, stderr=self.stderr)
        build_demo(log=self.stdout.write)
        address = display_address(options["addrport"])
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Log in at {address}/admin/"))
