"""`make sam-local`: the real `sam local invoke`, `start-api` and `start-lambda` on a Docker engine, against
the local stack's moto and TikTok emulator, every answer checked (see docs/local-development.md)."""
