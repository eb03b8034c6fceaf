"""How fast one socket may send: a token bucket."""


class TokenBucket:
    """`rate` messages a second, sustained, with up to `burst` at once above that.

    Time is whatever clock the caller passes in (seconds), so the bucket never reads one itself.
    """

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(max(burst, 1))
        self.tokens = self.capacity
        self.updated_at = now

    def take(self, now: float) -> bool:
        """Spend one token; False when there is none left."""
        elapsed = now - self.updated_at
        self.updated_at = now
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
