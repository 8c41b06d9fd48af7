"""Hypothesis profiles for the property tests (tests/test_properties*.py).

"ci" (the default) keeps the suite fast and reproducible: few examples, no per-example
deadline (the shared machine is noisy), and derandomized, so a failure is the same on every
run. "long" explores far more: ``HYPOTHESIS_PROFILE=long python -m pytest tests/test_properties*.py``.
"""
import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 10       # per property test: the three files take ~15-25 s together on 2 busy cores
LONG_EXAMPLES = 300

settings.register_profile("ci", max_examples=CI_EXAMPLES, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=LONG_EXAMPLES, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
