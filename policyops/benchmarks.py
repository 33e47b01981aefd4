"""The shared part of the benchmark's data set: the seeds and the demo (users of every role,
halls, entrustments and seals), on which the apps add their volume."""
from django.core.management import call_command

from policyops import benchmarking
from policyops.demo import build_demo


@benchmarking.data("seeds and demo users", order=0)
def build_base(ctx):
    call_command("load_seeds", verbosity=0)
    build_demo(log=lambda line: None)
    # The demo's users are the benchmark's actors; their passwords are never needed (force_login).
