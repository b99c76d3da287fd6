"""The statement e-mail is assembled without Python's line-by-line MIME path, and is byte for byte the
message Django's own EmailMessage makes (same boundary and Date), with either line ending; the
attachment a mail program decodes is the PDF."""

from __future__ import annotations

import base64
import email
import email.policy

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from hypothesis import given
from hypothesis import strategies as st

from statements.mail import StatementEmail, base64_lines
from tests.statements.world import build, emails_send, run_year


def _django_twin(message: EmailMessage):
    """The same message as Django's plain EmailMessage serialises it, with `message`'s boundary and Date."""
    fast = message.message()
    plain = EmailMessage(message.subject, message.body, message.from_email, message.to, headers=message.extra_headers)
    for attachment in message.attachments:
        plain.attach(*attachment)
    slow = plain.message()
    slow.set_boundary(fast.get_boundary())
    slow.replace_header("Date", fast["Date"])
    return fast, slow


@pytest.mark.django_db
def test_the_sent_statement_mail_is_what_django_would_send(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    build(delivery="email")
    run_year()
    emails_send()
    [message] = mail.outbox
    assert isinstance(message, StatementEmail)
    fast, slow = _django_twin(message)
    for linesep in ("\n", "\r\n"):  # the file backends and the SMTP backend
        assert fast.as_bytes(linesep=linesep) == slow.as_bytes(linesep=linesep)
        assert fast.as_string(linesep=linesep) == slow.as_string(linesep=linesep)
    parsed = email.message_from_bytes(fast.as_bytes(linesep="\r\n"), policy=email.policy.default)
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == message.attachments[0][0]
    assert attachment.get_content() == message.attachments[0][1]


@pytest.mark.parametrize("size", [0, 1, 56, 57, 58, 114, 110_000])
@pytest.mark.parametrize("body", ["您好：\n\n附件是记录单。\n", "line one\r\nline two\rthree\n", ""])
def test_identical_for_any_attachment_size_and_body(size, body):
    message = StatementEmail("记录单", body, to=["p@example.cn"], headers={"Message-ID": "<x@example.cn>"})
    message.attach("statement.pdf", bytes(range(256)) * (size // 256) + bytes(size % 256), "application/pdf")
    fast, slow = _django_twin(message)
    for linesep in ("\n", "\r\n"):
        assert fast.as_bytes(linesep=linesep) == slow.as_bytes(linesep=linesep)


@given(st.binary(max_size=2000))
def test_base64_lines_are_those_of_the_email_package(data):
    assert base64_lines(data) == base64.encodebytes(data).decode("ascii")
