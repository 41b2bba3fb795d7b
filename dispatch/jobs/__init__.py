"""Background work: offer expiry and time-limited re-planning."""
