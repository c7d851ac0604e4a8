"""The autopilot's deciding step (DecideCancellationFunction): a buyer's cancellation TikTok told us about,
decided by the shop's policy from what Search Cancellations says, acted on, and put on record.

It ships in the approval function's code package: it resolves shops, reads credentials and calls TikTok
exactly as an approval does (the same resolver, client, retries and per-shop limiter), and asks for the
approval through ApprovalQueue, so the approval itself stays one operation in one place."""
