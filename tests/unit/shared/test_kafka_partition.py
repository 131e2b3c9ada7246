"""The relay chooses each event's partition as the Kafka client would: a key's events stay on one
partition, the one they always went to."""

from __future__ import annotations

import random
import uuid

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from ecocirc_shared.kafka import murmur2, partition_for


def test_murmur2_is_the_clients_on_keys_of_every_length() -> None:
    rng = random.Random(7)
    keys = [rng.randbytes(n) for n in range(70) for _ in range(30)]
    keys += [str(uuid.UUID(int=rng.getrandbits(128))).encode() for _ in range(2000)]
    keys += [b"", b"\xff" * 9, "territory:Gers é".encode()]
    for key in keys:
        assert murmur2(key) == aiokafka_murmur2(key), key


def test_a_keys_partition_is_the_default_partitioners() -> None:
    rng = random.Random(8)
    default = DefaultPartitioner()
    for partitions in (1, 2, 3, 4, 12):
        numbers = list(range(partitions))
        for _ in range(500):
            key = str(uuid.UUID(int=rng.getrandbits(128))).encode()
            assert partition_for(key, partitions) == default(key, numbers, numbers)
