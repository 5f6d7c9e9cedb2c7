"""gunicorn settings: `gunicorn -c config/gunicorn.conf.py 'coachapp:create_app()'`."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# No access log of gunicorn's own: the app writes one JSON line per request (request id,
# status, duration, person; coachapp.request_log), without query strings and without the
# secret of a path that carries one (a calendar address, an invitation link), which
# gunicorn's request line would write as sent.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
raw_env = ["COACHAPP_ENV=production"]


def post_worker_init(_worker: object) -> None:
    """The app is loaded in this worker: the collector set for serving (coachapp.collector)."""
    from coachapp.collector import settle_for_serving

    settle_for_serving()
