"""Kafka topic names and how they are created: one place, every service agrees."""

from __future__ import annotations

from dataclasses import dataclass

from ecocirc_shared.settings import KafkaSettings

FLOW_EVENTS = "ecocirc.flow-events.v1"
SYNERGY_EVENTS = "ecocirc.synergy-events.v1"
# Decisions people take through the API (a status, review mode, email preferences, an opt-out),
# for the service that owns that state to apply.
DECISION_EVENTS = "ecocirc.decision-events.v1"
# Sign-in links (and later other emails intake asks for): one partition, a trickle of events.
ACCESS_EVENTS = "ecocirc.access-events.v1"
DEAD_LETTERS = "ecocirc.dead-letters.v1"


def event_family(topic: str) -> str:
    """« flow » for the flow-events topic: the word log lines and metrics use for a topic's events."""
    return topic.removeprefix("ecocirc.").split("-events")[0].split(".")[0]


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int


def all_topics(settings: KafkaSettings) -> list[TopicSpec]:
    """Every topic the platform uses, with partition counts from configuration.

    Topics are created explicitly: auto-created ones get the broker's default partition count,
    which would silently change how work is split across matcher workers.
    """
    rf = settings.replication_factor
    return [
        TopicSpec(FLOW_EVENTS, settings.flow_partitions, rf),
        TopicSpec(SYNERGY_EVENTS, settings.synergy_partitions, rf),
        TopicSpec(DECISION_EVENTS, settings.decision_partitions, rf),
        TopicSpec(ACCESS_EVENTS, 1, rf),
        TopicSpec(DEAD_LETTERS, 1, rf),
    ]


def epoch_topic(relay_name: str) -> str:
    """A one-record topic per relay whose absence reveals a broker that lost its data."""
    return f"ecocirc.epoch.{relay_name}"
