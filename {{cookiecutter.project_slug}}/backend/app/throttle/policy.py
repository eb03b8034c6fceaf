"""What the throttle's stores share: the refusal, and how long a key waits."""

import math
from datetime import datetime

from app.core.config import settings


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"blocked for {retry_after} more seconds")
        self.retry_after = retry_after


def delay(count: int, free: int) -> float:
    """Seconds the key is blocked after its `count`th attempt."""
    if count < free:
        return 0.0
    doubled = settings.THROTTLE_FIRST_DELAY * 2 ** min(count - free, 30)
    return float(min(settings.THROTTLE_MAX_DELAY, doubled))


def retry_after(blocked_until: datetime, now: datetime) -> int:
    return max(1, math.ceil((blocked_until - now).total_seconds()))
