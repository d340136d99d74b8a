"""CI/CD backend (seed 002): session tokens, jobs with a guarded lifecycle, agents, on dynastack.

``app`` is what the command line takes (``dynastack tables apply examples.cicd:app --env dev``,
``dynastack seed …``, ``dynastack doctor …``); ``app.create_tables``/``drop_tables`` do the same
for tests and notebooks. The seed's FastAPI app and its Lambda handler are ``examples.cicd.api``
(imported on its own: it needs ``dynastack[fastapi]``); the Terraform is not here (README).

Example:
    >>> [spec.name for spec in app.table_specs(env="dev", environ={})]
    ['cicd-sessions-dev', 'cicd-jobs-dev', 'cicd-agents-dev']
"""

from __future__ import annotations

from dynastack import App
from examples.cicd.lifecycle import TRANSITIONS, IllegalTransition, JobStatus
from examples.cicd.models import ENTITIES, Agent, AgentStatus, Job, SessionToken
from examples.cicd.repositories import AgentRepository, JobRepository, SessionRepository
from examples.cicd.seed import seed

__all__ = [
    "TRANSITIONS",
    "Agent",
    "AgentRepository",
    "AgentStatus",
    "IllegalTransition",
    "Job",
    "JobRepository",
    "JobStatus",
    "SessionRepository",
    "SessionToken",
    "app",
]

app = App("cicd", ENTITIES, seed=seed)
