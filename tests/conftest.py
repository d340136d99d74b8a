"""Suite-wide hypothesis settings: no deadlines.

Why: a deadline is a timing asserted in a test. On a 2-core machine shared with DynamoDB Local
and other suites, a correct example can take longer than hypothesis's 200 ms default and fail
as "flaky"; timings belong in bench/, so every property test here runs without one.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("dynastack", deadline=None)
settings.load_profile("dynastack")
