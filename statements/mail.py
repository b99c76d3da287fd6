"""The statement e-mail, assembled without Python's line-by-line MIME path (the same bytes).

Django builds an attachment by base64-encoding it 57 bytes at a time (`email.encoders`), and its
mail backends serialise the message with `email.generator`, which splits every text part into
lines, writes each line and its line ending separately, and scans the whole serialised text for the
multipart boundary. For a statement's 110 KB PDF that is about 1,900 lines and as many writes per
message, about as long as rendering the PDF (BENCHMARKS.md, "Statements at full size").

`StatementEmail` is Django's `EmailMessage` with three changes that leave the serialised message
byte for byte what Django would produce with the same boundary and Date (tests/statements/
test_statement_mail.py compares them):

- the attachment is encoded in one call (`binascii.b2a_base64` of the whole file), then cut into
  the same 76-character lines as `base64.encodebytes`;
- the multipart's boundary is drawn the way `email.generator` draws it, but checked against the
  text part only (a base64 line cannot contain `-`, so cannot be a boundary line), not against the
  whole serialised attachment;
- the message is serialised by a generator that turns a text part's line endings into the wanted
  ones with one substitution and one write instead of a write per line.
"""

from __future__ import annotations

import binascii
import random
import re
import sys
from email.generator import NLCRE, BytesGenerator, Generator
from email.mime.base import MIMEBase
from io import BytesIO, StringIO

from django.core.mail import EmailMessage
from django.core.mail.message import SafeMIMEMultipart

_LINE = 76  # base64.encodebytes' line length (MAXBINSIZE 57 bytes in, 76 characters out)
_WIDTH = len(repr(sys.maxsize - 1))  # email.generator's boundary: 15 '=', a random number this wide, '=='


def base64_lines(data: bytes) -> str:
    """`email.encoders.encode_base64`'s payload for `data` (`base64.encodebytes`): base64 in lines
    of 76 characters, each ending in a newline."""
    flat = binascii.b2a_base64(data, newline=False).decode("ascii")
    return "".join([flat[i : i + _LINE] + "\n" for i in range(0, len(flat), _LINE)])


class _OneWrite:
    """A text part's line endings made `self._NL` with one substitution and written at once: the
    same characters `Generator._write_lines` writes line by line."""

    def _write_lines(self, lines):
        if not lines:
            return
        if "\r" in lines:
            self.write(NLCRE.sub(lambda _match: self._NL, lines))
        elif self._NL == "\n":
            self.write(lines)
        else:
            self.write(lines.replace("\n", self._NL))


class _Generator(_OneWrite, Generator):
    pass


class _BytesGenerator(_OneWrite, BytesGenerator):
    pass


class _Multipart(SafeMIMEMultipart):
    """A statement e-mail's multipart/mixed, serialised with the generators above."""

    def as_string(self, unixfrom=False, linesep="\n"):
        fp = StringIO()
        _Generator(fp, mangle_from_=False).flatten(self, unixfrom=unixfrom, linesep=linesep)
        return fp.getvalue()

    def as_bytes(self, unixfrom=False, linesep="\n"):
        fp = BytesIO()
        _BytesGenerator(fp, mangle_from_=False).flatten(self, unixfrom=unixfrom, linesep=linesep)
        return fp.getvalue()


class StatementEmail(EmailMessage):
    """An `EmailMessage` with a text body and binary attachments, serialised faster (see above)."""

    def _create_mime_attachment(self, content, mimetype):
        basetype, subtype = mimetype.split("/", 1)
        if basetype in ("text", "message") or not isinstance(content, bytes):
            return super()._create_mime_attachment(content, mimetype)
        attachment = MIMEBase(basetype, subtype)
        attachment.set_payload(base64_lines(content))
        attachment["Content-Transfer-Encoding"] = "base64"
        return attachment

    def _create_attachments(self, msg):
        msg = super()._create_attachments(msg)
        if isinstance(msg, SafeMIMEMultipart) and not isinstance(msg, _Multipart):
            msg.__class__ = _Multipart
            # Lines of base64 hold no "-": only the other parts could hold a boundary line.
            body = "\n".join(
                part.get_payload() if isinstance(part.get_payload(), str) else part.as_string()
                for part in msg.get_payload()
                if part.get("Content-Transfer-Encoding") != "base64"
            )
            while True:
                boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_WIDTH}d}" + "=="
                if not re.search("^--" + re.escape(boundary) + "(--)?$", body, flags=re.MULTILINE):
                    break
            msg.set_boundary(boundary)
        return msg
