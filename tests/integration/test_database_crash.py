"""The database server dies in the middle of a transition: after its restart nothing is half-written.

A private PostgreSQL instance on a spare port (initdb in a temporary folder) gets a copy
of the test database (pg_dump | psql). A child process runs the clerk's "accept" against
it and stops inside the transaction, after the case row's UPDATE and the audit INSERT,
before COMMIT. The test then kills the postmaster with SIGKILL (a power cut, as far as
the server can tell), restarts it (crash recovery replays the WAL) and looks: the case is
still as registered, with no audit row, history row or notice of the step; the same step
then succeeds. PostgreSQL only, and only where its server binaries are installed.
"""
import datetime as dt
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from approvals.models import ApprovalCase, CaseNotice
from tests.approvals.conftest import clerk, entrustment, power  # noqa: F401 (fixtures)
from tests.approvals.factories import register_case

ROOT = Path(__file__).resolve().parents[2]
BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), "")
AS_OF = dt.date(2024, 9, 27)

pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                       reason="needs PostgreSQL"),
    pytest.mark.skipif(not BIN or not shutil.which("pg_dump"), reason="needs PostgreSQL's server binaries"),
    pytest.mark.django_db(transaction=True),
]

# The child: accept the case, and hang after the audit row is written, before COMMIT.
ACCEPT = """
import os, sys, time, django
django.setup()
from approvals import services
from approvals.models import ApprovalCase, CaseNotice
from django.contrib.auth import get_user_model
from policyops import workflow
hang = os.environ.get("HANG_IN_TRANSACTION") == "1"
real_record = workflow.audit.record
def record_then_hang(**kwargs):
    entry = real_record(**kwargs)
    if hang:
        print("IN_TRANSACTION", flush=True)
        time.sleep(120)
    return entry
workflow.audit.record = record_then_hang
case = ApprovalCase.objects.get(number=sys.argv[1])
clerk = get_user_model().objects.get(username=sys.argv[2])
services.case_accept(case=case, acting_user=clerk, as_of=__import__("datetime").date(2024, 9, 27))
print("ACCEPTED", flush=True)
"""


def as_postgres(*command, **kwargs):
    """PostgreSQL's server refuses to run as root: run it as the postgres user when we are root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, timeout=60, **kwargs)


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateServer:
    def __init__(self, folder: Path, port: int):
        self.data, self.port = folder / "data", port

    def start(self):
        as_postgres(f"{BIN}/pg_ctl", "-D", str(self.data), "-l", str(self.data.parent / "log"), "-w", "-o",
                    f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=on", "start")

    def kill(self):
        """SIGKILL the postmaster: no shutdown checkpoint, children left to die (a crash)."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        # Its backends notice the postmaster is gone and exit; wait for the shared memory to go.
        time.sleep(1)

    def stop(self):
        subprocess.run(["runuser", "-u", "postgres", "--"] * (os.geteuid() == 0) + [
            f"{BIN}/pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"], capture_output=True, timeout=60)

    def url(self, name="crash"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def query(self, sql: str) -> str:
        return subprocess.run(["psql", "-At", "-d", self.url(), "-c", sql], check=True, capture_output=True,
                              text=True, timeout=30).stdout.strip()


@pytest.fixture
def server():
    folder = Path(tempfile.mkdtemp(prefix="policyops-pg-crash-"))
    shutil.chown(folder, "postgres") if os.geteuid() == 0 else None
    instance = PrivateServer(folder, spare_port())
    as_postgres(f"{BIN}/initdb", "-D", str(instance.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--no-sync")
    instance.start()
    yield instance
    instance.stop()
    shutil.rmtree(folder, ignore_errors=True)


def copy_test_database(server: PrivateServer) -> None:
    subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "crash"], check=True,
                   timeout=30)
    source = connection.settings_dict
    dump = subprocess.run(["pg_dump", "--no-owner", "-h", source["HOST"] or "127.0.0.1", "-p",
                           str(source["PORT"] or 5432), "-U", source["USER"] or "postgres", source["NAME"]],
                          check=True, capture_output=True, timeout=120)
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", server.url()], input=dump.stdout, check=True,
                   capture_output=True, timeout=120)


def child_env(server: PrivateServer, *, hang: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=server.url(), DB_CONN_MAX_AGE="0",
               HANG_IN_TRANSACTION="1" if hang else "0", PYTHONPATH=str(ROOT))
    return env


def state_of(server: PrivateServer, number: str) -> dict:
    case_id, state = server.query(f"SELECT id, state FROM {ApprovalCase._meta.db_table} "
                                  f"WHERE number = '{number}'").split("|")
    return {
        "state": state,
        "audit": server.query(f"SELECT count(*) FROM policyops_auditentry WHERE object_id = '{case_id}' "
                              "AND action = 'accept'"),
        "history": server.query(f"SELECT count(*) FROM {ApprovalCase.history.model._meta.db_table} "
                                f"WHERE id = {case_id}"),
        "notices": server.query(f"SELECT count(*) FROM {CaseNotice._meta.db_table} WHERE case_id = {case_id}"),
    }


def test_a_server_killed_mid_transition_leaves_nothing_half_written(server, power, entrustment, clerk):  # noqa: F811 (fixtures)
    case = register_case(power, clerk=clerk, received_on=AS_OF)
    copy_test_database(server)
    before = state_of(server, case.number)

    child = subprocess.Popen([sys.executable, "-c", ACCEPT, case.number, clerk.username], cwd=ROOT,
                             env=child_env(server, hang=True), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "IN_TRANSACTION", child.stderr.read()
        server.kill()
    finally:
        child.kill()
        child.wait(timeout=30)
    server.start()  # crash recovery

    after = state_of(server, case.number)
    assert after == before and after["state"] == ApprovalCase.State.SUBMITTED and after["audit"] == "0"

    again = subprocess.run([sys.executable, "-c", ACCEPT, case.number, clerk.username], cwd=ROOT,
                           env=child_env(server, hang=False), capture_output=True, text=True, timeout=120)
    assert "ACCEPTED" in again.stdout, again.stderr
    done = state_of(server, case.number)
    assert done["state"] == ApprovalCase.State.ACCEPTED and done["audit"] == "1"
    assert int(done["history"]) == int(before["history"]) + 1 and int(done["notices"]) == int(before["notices"]) + 1
