"""Shared by the fuzz tests: bounded settings and the counts of what was tried."""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

#: Filled by the fuzz tests: rows, files, mappings, option sets tried, failures.
TRIED: Counter[str] = Counter()


def fuzz_settings(max_examples: int) -> settings:
    """Bounded, reproducible settings for CI; ``FUZZ_EXAMPLES=N`` runs N random
    examples per test instead (a longer hunt by hand)."""
    hunt = int(os.environ.get("FUZZ_EXAMPLES", "0"))
    return settings(
        max_examples=hunt or max_examples,
        deadline=None,
        derandomize=not hunt,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
    )
