# make run and the local stack (see docs/local-development.md).
