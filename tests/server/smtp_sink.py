"""An SMTP server that delivers every mail to a folder, for tests that read mail.

Synapse (registration, password reset) and sydent (email validation, room invites) send
real mails over SMTP; tests need to read them, e.g. to follow a validation link. This
sink accepts any mail on 127.0.0.1:PORT and writes it as one JSON file in
MAILDIR/new/, named `<arrival time in ns>-<sequence>.json` so that names sort by
arrival. Each file is written to MAILDIR/tmp/ first and renamed, so a reader never sees
half a mail. The JSON holds the envelope (`mail_from`, `rcpt_tos`), the headers tests
care about (`from`, `to`, `subject`), the decoded text and HTML parts (`text`,
`html`: Synapse sends base64, sydent 8-bit) and the `raw` message.

aiosmtpd rejects lines over 1001 bytes by default, and sydent sends bare-LF mails whose
"lines" are then the whole message: the limit is raised to 1 MiB.
Usage: smtp_sink.py PORT MAILDIR  (runs in the foreground; SIGTERM stops it)
"""

import asyncio
import email
import email.policy
import itertools
import json
import os
import signal
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

SMTP.line_length_limit = 1 << 20


def decode(raw: bytes) -> dict:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text, html = [], []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html"):
            try:
                content = part.get_content()
            except (LookupError, ValueError):  # unknown charset, broken encoding
                content = part.get_payload(decode=True).decode("utf-8", "replace")
            (text if kind == "text/plain" else html).append(content)
    return {
        "from": str(msg.get("From", "")),
        "to": str(msg.get("To", "")),
        "subject": str(msg.get("Subject", "")),
        "text": "\n".join(text),
        "html": "\n".join(html),
    }


class Sink:
    def __init__(self, maildir: Path):
        self.tmp, self.new = maildir / "tmp", maildir / "new"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.new.mkdir(parents=True, exist_ok=True)
        self.seq = itertools.count()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mail = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        mail.update(decode(raw))
        mail["raw"] = raw.decode("utf-8", "replace")
        name = f"{time.time_ns():020d}-{next(self.seq):06d}.json"
        tmp = self.tmp / name
        tmp.write_text(json.dumps(mail, indent=1, ensure_ascii=False))
        os.rename(tmp, self.new / name)
        print(f"smtp_sink: {name} to {', '.join(envelope.rcpt_tos)}: {mail['subject']}",
              flush=True)
        return "250 Message accepted for delivery"


def main() -> None:
    port, maildir = int(sys.argv[1]), Path(sys.argv[2])
    controller = Controller(Sink(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp_sink: listening on 127.0.0.1:{port}, mails in {maildir}/new", flush=True)
    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    loop.run_until_complete(stop)
    controller.stop()


if __name__ == "__main__":
    main()
