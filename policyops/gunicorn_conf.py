"""gunicorn settings for production: ``gunicorn -c python:policyops.gunicorn_conf policyops.wsgi``.

Sync workers, two per core plus one (gunicorn's advice; measured by ``manage.py benchmark``'s
http scenario). Each keeps its database connection (DB_CONN_MAX_AGE), so PostgreSQL sees at
most ``workers`` connections per gunicorn. Override with WEB_CONCURRENCY / GUNICORN_BIND.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * len(os.sched_getaffinity(0)) + 1))
timeout = 60
# A worker is replaced after this many requests (bounded memory growth), staggered by the jitter.
max_requests = 5000
max_requests_jitter = 500
accesslog = None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
