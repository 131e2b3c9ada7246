"""`python -m ecocirc_shared.dead_letters list|replay`: see, then replay, what consumers set aside.

The matcher and the notifier set aside on `ecocirc.dead-letters.v1` every record they could not apply,
with its key, its value and headers naming where it came from and why. Once the cause is fixed (a
new release that reads the event, the database back), `replay` publishes each dead letter again to
its source topic with its original key, so it lands on the same partition as its subject's other
events; the consumers, idempotent, apply it or set it aside again. Replay remembers how far it went
(consumer group `ecocirc-dead-letter-replay`): running it twice does not replay a record twice.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from ecocirc_shared.consumer import REASON, SET_ASIDE_BY, SOURCE_OFFSET, SOURCE_PARTITION, SOURCE_TOPIC
from ecocirc_shared.kafka import make_consumer, make_producer
from ecocirc_shared.logging import configure_logging
from ecocirc_shared.settings import KafkaSettings
from ecocirc_shared.topics import DEAD_LETTERS

REPLAY_GROUP = "ecocirc-dead-letter-replay"


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    @property
    def source_topic(self) -> str | None:
        return self.headers.get(SOURCE_TOPIC)

    def describe(self) -> str:
        h = self.headers
        where = f"{h.get(SOURCE_TOPIC, '?')}[{h.get(SOURCE_PARTITION, '?')}]@{h.get(SOURCE_OFFSET, '?')}"
        size = "tombstone" if self.value is None else f"{len(self.value)} bytes"
        key = self.key.decode(errors="replace") if self.key is not None else "-"
        return (
            f"#{self.offset} from {where} key={key} ({size}) "
            f"set aside by {h.get(SET_ASIDE_BY, '?')}: {h.get(REASON, '?')}"
        )


async def _read(consumer: AIOKafkaConsumer, idle_ms: int) -> list[DeadLetter]:
    """Everything the consumer can fetch until one fetch waits `idle_ms` for nothing.

    No end offset is trusted: the embedded broker can report it short (docs: broker notes).
    """
    letters: list[DeadLetter] = []
    while True:
        batch = await consumer.getmany(timeout_ms=idle_ms)
        records = [r for rs in batch.values() for r in rs]
        if not records:
            return letters
        letters += [
            DeadLetter(
                r.offset, r.key, r.value, {k: v.decode(errors="replace") for k, v in (r.headers or ())}
            )
            for r in records
        ]


async def list_dead_letters(settings: KafkaSettings, idle_ms: int = 1500) -> list[DeadLetter]:
    consumer = make_consumer(settings, group_id=f"{REPLAY_GROUP}-list")
    await consumer.start()
    try:
        # A look only: the one partition from its beginning, nothing committed.
        consumer.assign([TopicPartition(DEAD_LETTERS, 0)])
        await consumer.seek_to_beginning()
        return await _read(consumer, idle_ms)
    finally:
        await consumer.stop()


async def replay(
    settings: KafkaSettings, *, only_topic: str | None = None, dry_run: bool = False, idle_ms: int = 1500
) -> tuple[list[DeadLetter], list[DeadLetter]]:
    """Republish the dead letters not replayed yet; return (replayed, skipped).

    Skipped: records without a source (set aside before sources were recorded) or, with
    `only_topic`, from another topic; they are passed over, not replayed later.
    """
    consumer = make_consumer(settings, DEAD_LETTERS, group_id=REPLAY_GROUP)
    producer = make_producer(settings)
    await consumer.start()
    await producer.start()
    replayed: list[DeadLetter] = []
    skipped: list[DeadLetter] = []
    try:
        for letter in await _read(consumer, idle_ms):
            source = letter.source_topic
            if source is None or (only_topic is not None and source != only_topic):
                skipped.append(letter)
                continue
            if not dry_run:
                await producer.send_and_wait(source, letter.value, key=letter.key)
            replayed.append(letter)
        if not dry_run:
            await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()
    return replayed, skipped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ecocirc_shared.dead_letters",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="show every dead letter, from the oldest")
    replay_parser = commands.add_parser("replay", help="publish the dead letters not replayed yet again")
    replay_parser.add_argument("--topic", help="only those set aside from this topic")
    replay_parser.add_argument("--dry-run", action="store_true", help="say what would be replayed")
    args = parser.parse_args(argv)
    settings = KafkaSettings()
    configure_logging("dead-letters", settings.log_level, settings.log_json)
    if args.command == "list":
        letters = asyncio.run(list_dead_letters(settings))
        for letter in letters:
            print(letter.describe())
        print(f"{len(letters)} dead letter(s)")
        return 0
    replayed, skipped = asyncio.run(replay(settings, only_topic=args.topic, dry_run=args.dry_run))
    verb = "would replay" if args.dry_run else "replayed"
    for letter in replayed:
        print(f"{verb}: {letter.describe()}")
    for letter in skipped:
        print(f"skipped: {letter.describe()}")
    print(f"{verb} {len(replayed)}, skipped {len(skipped)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
