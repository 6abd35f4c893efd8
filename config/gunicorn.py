"""gunicorn's settings for production: `gunicorn config.wsgi -c config/gunicorn.py`.

Bounded work: a request that takes longer than `timeout` is ended and its worker restarted, and request
lines and headers are capped. Long work does not run in a worker: a PDF made on request runs in a child
process with bounds of its own (REPORT_PDF_TIMEOUT), below this time-out. Slow clients are the reverse
proxy's to buffer (nginx does by default), so a sync worker never waits on a slow connection.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 3))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 90))
graceful_timeout = 30
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
# gunicorn 25+ opens a control socket in the user's home by default, one path for every gunicorn of that user:
# two instances on one host (a blue-green switch, the load test beside production) would take each other's.
control_socket_disable = True
