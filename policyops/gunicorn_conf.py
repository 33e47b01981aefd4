"""gunicorn settings for production: ``gunicorn -c python:policyops.gunicorn_conf policyops.wsgi``.

Sync workers, two per core plus one (gunicorn's advice; measured by ``manage.py benchmark``'s
http scenario). Each keeps its database connection (DB_CONN_MAX_AGE, 60 s here; settings'
default 0 is for runserver's thread per request), so PostgreSQL sees at most ``workers``
connections per gunicorn. Override with WEB_CONCURRENCY / GUNICORN_BIND.
"""
import os
import re
from pathlib import Path

# A sync worker serves one request at a time on one thread: its kept connection is reused,
# not multiplied. Set here, before the workers load the settings; the environment wins.
DB_CONN_MAX_AGE = "60"
os.environ.setdefault("DB_CONN_MAX_AGE", DB_CONN_MAX_AGE)

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * len(os.sched_getaffinity(0)) + 1))
timeout = 60
# A worker is replaced after this many requests (bounded memory growth), staggered by the jitter.
max_requests = 5000
max_requests_jitter = 500
accesslog = None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")

# --- Prometheus multiprocess mode (policyops.metrics) -----------------------------------
# Every worker writes its samples to files in one folder and /metrics, in whichever worker
# answers, adds them up. The folder is named in the master's environment before the workers
# are forked, so each one has it before it imports prometheus_client. One folder per bind
# address (--bind or GUNICORN_BIND): two gunicorns of one machine must not clean or add up
# each other's files. VAR_DIR as the settings define it, without importing the settings.
_var_dir = Path(os.environ.get("POLICYOPS_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))


def metrics_dir_for(addresses) -> Path:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    return _var_dir / "prometheus" / re.sub(r"[^A-Za-z0-9]+", "_", "-".join(addresses)).strip("_")


def on_starting(server):
    """Name the folder and empty it: a previous run's workers' files would be counted again."""
    folder = metrics_dir_for(server.cfg.bind)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for samples in folder.glob("*.db"):  # only prometheus-client's files: the folder may be shared
        samples.unlink(missing_ok=True)


def post_worker_init(worker):
    """What the worker has loaded (Django, the apps, their modules and settings) lives as long
    as it does: moved out of the garbage collector's sight (gc.freeze), it is no longer
    scanned by each full collection, a ~100 ms pause every forty or so pages here (issue 12).
    The benchmark's page scenarios do the same (policyops.benchmarking.settle_like_a_worker)."""
    import gc

    gc.collect()
    gc.freeze()


def child_exit(server, worker):
    """A worker is gone (stopped, replaced after max_requests, or killed): its live gauges go too."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, os.environ["PROMETHEUS_MULTIPROC_DIR"])
