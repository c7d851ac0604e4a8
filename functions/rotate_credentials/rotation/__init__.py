"""Rotating the TikTok access token held in the credentials secret: Secrets Manager's four rotation steps."""
