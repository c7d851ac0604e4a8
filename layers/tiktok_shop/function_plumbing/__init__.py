"""What every function of this application does the same way, written once: its settings and the AWS
environment its clients are built for, read from the environment (`settings`), the moment its work must end
by (`deadlines`), and its Logger, Tracer and Metrics (`observability`).

Each submodule is imported on its own, so a function pays only for what it uses.
"""
