"""Seed 000, the cloud infrastructure orchestration platform: its data layer on dynastack.

Four tables (Deployments, Stacks, Logs, Metrics) with the seed's keys and indexes
(``models``), one repository per aggregate with the seed's operations (``repositories``,
``records``, ``cascade``), and demo data (``seed``). The GraphQL API and Cognito auth of the
seed belong to a later issue (see README.md).

Example:
    >>> [table.name for table in app.tables]
    ['cloud-deployments', 'cloud-stacks', 'cloud-logs', 'cloud-metrics']
"""

from dynastack import App
from examples.cloud_platform.models import Deployment, LogEntry, Metric, Stack
from examples.cloud_platform.repositories import (
    DeploymentRepository,
    LogRepository,
    MetricRepository,
    Removal,
    StackRepository,
)
from examples.cloud_platform.seed import seed

__all__ = [
    "DeploymentRepository",
    "LogRepository",
    "MetricRepository",
    "Removal",
    "StackRepository",
    "app",
]

#: the application: ``dynastack tables apply examples.cloud_platform:app --env dev`` …
app = App("cloud_platform", [Deployment, Stack, LogEntry, Metric], seed=seed)
