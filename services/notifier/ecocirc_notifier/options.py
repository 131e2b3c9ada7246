"""The notifier's settings in the units its use cases work in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ecocirc_notifier.domain.reminders import ReminderSchedule
from ecocirc_shared.settings import NotifierSettings


@dataclass(frozen=True)
class NotifierOptions:
    """What the notifier's use cases read from configuration, in the units they use."""

    notify_threshold: float = 0.5
    advisor_digest: timedelta = timedelta(0)
    # A proposal waits this long before it is sent, and each revision restarts the wait (up to
    # `max_hold`), so that a burst of revisions gives one email showing the last state.
    hold: timedelta = timedelta(seconds=2)
    max_hold: timedelta = timedelta(seconds=10)
    max_attempts: int = 8
    # The advisors' weekly reminders; None: none are sent.
    reminders: ReminderSchedule | None = None


def notifier_options(settings: NotifierSettings) -> NotifierOptions:
    hold = settings.notify_hold_seconds
    return NotifierOptions(
        notify_threshold=settings.notify_threshold,
        advisor_digest=timedelta(minutes=settings.advisor_digest_minutes),
        hold=timedelta(seconds=hold),
        max_hold=timedelta(seconds=settings.notify_max_hold_seconds or 5 * hold),
        max_attempts=settings.smtp_max_attempts,
        reminders=ReminderSchedule(
            weekday=settings.reminder_weekday,
            hour=settings.reminder_hour,
            timezone=settings.programme_timezone,
            stale_days=settings.reminder_stale_days,
        )
        if settings.reminder_weekday
        else None,
    )
