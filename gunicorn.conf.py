"""gunicorn settings (Procfile `web`, render.yaml startCommand).

Workers: WEB_CONCURRENCY when set (size it to the instance's memory, ~100 MB per worker),
else 2 × CPUs + 1 capped at 4 — a PaaS container often reports the host's CPU count.
Each worker runs threads, so slow clients (phones at the venue) do not block a worker.
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 4))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Requests are short (PDFs and mail happen outside requests); a stuck one is killed after 60 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never take the site down on meet day. Not
# too often: a fresh worker starts with cold template and SQL caches (at 2000 the stress run
# recycled a worker every ~40 s and lost a third of its throughput while they warmed up).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10

# The access log is written by the app itself (nitsys.observability): one line per request on
# stderr with method, path, status, duration_ms and user id, with tokens in URLs masked.
# gunicorn's own access line would print password-reset tokens, so it stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# TLS ends at the platform's proxy; the app trusts X-Forwarded-* through ProxyFix
# (TRUSTED_PROXY_COUNT), so gunicorn passes the headers through unchanged.
forwarded_allow_ips = "*"


def post_worker_init(worker):
    from nitsys.warmup import warm_up

    warm_up(worker.wsgi)
