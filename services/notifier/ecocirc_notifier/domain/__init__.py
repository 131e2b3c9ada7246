"""The notifier's pure core: who hears of a synergy, which news is new, and what the email says."""

from ecocirc_notifier.domain.emails import EmailSettings, RenderedEmail, render, render_digest
from ecocirc_notifier.domain.headers import UnsubscribeSettings, unsubscribe_token
from ecocirc_notifier.domain.news import (
    News,
    NewsKind,
    digest_key,
    introduced,
    message_id,
    news_key,
    proposed,
    withdrawn,
)
from ecocirc_notifier.domain.recipients import (
    Audience,
    Recipient,
    RecipientKind,
    RecipientRef,
    Skipped,
    SkipReason,
    proposal_audience,
    withdrawal_audience,
)
from ecocirc_shared.directory import AdvisorEntry, CompanyEntry, DeliveryMode, Directory

__all__ = [
    "AdvisorEntry",
    "Audience",
    "CompanyEntry",
    "DeliveryMode",
    "Directory",
    "EmailSettings",
    "News",
    "NewsKind",
    "Recipient",
    "RecipientKind",
    "RecipientRef",
    "RenderedEmail",
    "SkipReason",
    "Skipped",
    "UnsubscribeSettings",
    "digest_key",
    "introduced",
    "message_id",
    "news_key",
    "proposal_audience",
    "proposed",
    "render",
    "render_digest",
    "unsubscribe_token",
    "withdrawal_audience",
    "withdrawn",
]
