"""The contract every operation fulfils: a frozen value that builds and parses, with no I/O.

A client sends any ``Operation[R]`` through one path: ``to_request()`` gives the JSON body
(wire format), the shell signs and sends it, and ``parse()`` turns the decoded JSON reply into
``R``. Because operations are values, they can be logged, compared, snapshot-tested and
retried as they are; a transaction's client request token is part of the value, so a retry
reuses it (RELIABILITY fact 1).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Protocol, TypeVar

__all__ = ["Operation", "Service"]

R_co = TypeVar("R_co", covariant=True)

#: which endpoint an operation goes to: DynamoDB itself or DynamoDB Streams
Service = Literal["dynamodb", "streams"]


class Operation(Protocol[R_co]):
    """What a client needs from an operation.

    ``action`` is DynamoDB's action name (``"GetItem"``), sent as
    ``X-Amz-Target: DynamoDB_20120810.GetItem`` (or ``DynamoDBStreams_20120810.*``).
    ``resend_safe`` says whether sending the same request twice is harmless when the first
    reply was lost (reads, unconditional puts and deletes, transactions with a token); the
    client retries an unknown outcome only for these.
    """

    action: ClassVar[str]
    service: ClassVar[Service]

    @property
    def resend_safe(self) -> bool: ...

    @property
    def table_name(self) -> str | None: ...

    def to_request(self) -> dict[str, Any]: ...

    def parse(self, response: dict[str, Any]) -> R_co: ...
