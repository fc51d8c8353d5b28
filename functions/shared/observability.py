"""Logger and metrics shared by all handlers.

Powertools objects are created here once; they read only their own POWERTOOLS_*
variables. Our settings and every AWS client are created lazily, on first use.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

SERVICE = "event-analytics"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="EventAnalytics", service=SERVICE)
