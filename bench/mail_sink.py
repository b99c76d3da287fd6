"""The benchmarks' mail backend: each message is serialised with its attachment (the work an SMTP
backend does before the network) and dropped."""

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    sent_bytes = 0

    def send_messages(self, email_messages):
        for message in email_messages:
            EmailBackend.sent_bytes += len(message.message().as_bytes())
        return len(email_messages)
