#!/bin/bash
# Creates the platform's topics with partition counts from configuration, before any service starts.
# Runs in the apache/kafka image (kafka-topics.sh); idempotent: existing topics are kept, and a topic
# with fewer partitions than configured is grown (Kafka cannot shrink one).
# Topic names: ecocirc_shared/topics.py (a unit test keeps this list and that module in step).
set -euo pipefail

BOOTSTRAP="${ECOCIRC_KAFKA_BOOTSTRAP:?set ECOCIRC_KAFKA_BOOTSTRAP, e.g. kafka:9092}"
FLOW_PARTITIONS="${ECOCIRC_FLOW_PARTITIONS:-4}"
SYNERGY_PARTITIONS="${ECOCIRC_SYNERGY_PARTITIONS:-4}"
DECISION_PARTITIONS="${ECOCIRC_DECISION_PARTITIONS:-2}"
REPLICATION_FACTOR="${ECOCIRC_REPLICATION_FACTOR:-1}"
TOPICS_CMD="${TOPICS_CMD:-/opt/kafka/bin/kafka-topics.sh}"  # a stub in the unit test

ensure_topic() {
    local name="$1" partitions="$2"
    "$TOPICS_CMD" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
        --topic "$name" --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR"
    local current
    current="$("$TOPICS_CMD" --bootstrap-server "$BOOTSTRAP" --describe --topic "$name" \
        | sed -n 's/.*PartitionCount:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1)"
    if [ -z "$current" ]; then
        echo "cannot read the partition count of $name" >&2
        return 1
    fi
    if [ "$current" -lt "$partitions" ]; then
        echo "growing $name from $current to $partitions partitions"
        "$TOPICS_CMD" --bootstrap-server "$BOOTSTRAP" --alter --topic "$name" --partitions "$partitions"
    elif [ "$current" -gt "$partitions" ]; then
        echo "warning: $name has $current partitions, more than the $partitions configured; kept" >&2
    fi
    echo "$name: ready"
}

ensure_topic ecocirc.flow-events.v1 "$FLOW_PARTITIONS"
ensure_topic ecocirc.synergy-events.v1 "$SYNERGY_PARTITIONS"
ensure_topic ecocirc.decision-events.v1 "$DECISION_PARTITIONS"
ensure_topic ecocirc.access-events.v1 1
ensure_topic ecocirc.dead-letters.v1 1
