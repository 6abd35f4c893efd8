"""A real SMTP server on loopback for the tests (aiosmtpd), and what arrived there.

The fixtures `smtp` and `smtp_down` (tests/conftest.py) point Django's SMTP backend at it.
"""

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller

SITE = "https://keikaku.example.lg.jp"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the SMTP server received: (recipients, parsed message) for each e-mail."""

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, user):
        return [m for rcpt, m in self.received if user.email in rcpt]

    def one_to(self, user):
        messages = self.to(user)
        assert len(messages) == 1, [str(m["Subject"]) for m in messages]
        return messages[0]

    @property
    def recipients(self):
        return sorted(r for rcpt, _m in self.received for r in rcpt)


def use_mail_server(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.NOTIFICATION_EMAILS = True
    settings.DEFAULT_FROM_EMAIL = "keikaku@example.lg.jp"
    settings.SITE_URL = SITE


def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 and a free port, and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_mail_server(settings, controller.port)
    yield inbox
    controller.stop()


def point_at_nothing(settings):
    """A mail server address where nothing listens."""
    use_mail_server(settings, free_port())


def text(message):
    return message.get_content()


def subject(message):
    # An encoded header may be folded onto its next line: the reader's client joins it again.
    return str(message["Subject"]).strip()
