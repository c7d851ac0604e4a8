"""TikTok's webhooks in: verify the signature, deduplicate, and queue the notification for the decider.

Never calls TikTok, and imports neither pydantic nor Powertools' event handler: it must answer well inside
TikTok's 3 seconds, cold starts included.
"""
