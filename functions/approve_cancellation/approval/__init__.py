"""Approving TikTok Shop cancellations: one idempotent operation behind three event sources."""
