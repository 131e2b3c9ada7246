"""An SMTP server (aiosmtpd) that stores every email it receives as a .eml file: the embedded mail box."""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session


class MaildirHandler:
    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd hook
        content = envelope.original_content or b""
        if isinstance(content, str):
            content = content.encode()
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        header = "".join(f"X-Envelope-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos).encode()
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(header + content)
        tmp.rename(self.directory / name)  # atomic: readers never see half an email
        return "250 Message accepted for delivery"


def start_sink(directory: Path, port: int) -> Controller:
    controller = Controller(MaildirHandler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    controller = start_sink(args.dir, args.port)
    print(f"SMTP sink on 127.0.0.1:{args.port}, writing to {args.dir}", flush=True)
    stop = asyncio.Event()

    async def wait() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    asyncio.run(wait())
    controller.stop()


if __name__ == "__main__":
    main()
