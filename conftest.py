"""Root conftest: import our custom_components before the test plugin's own."""

import os

from hypothesis import settings

import custom_components  # noqa: F401  # pylint: disable=unused-import

# CI repeats the same examples every run, so a result never depends on chance;
# a run outside CI explores new ones.
settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True, database=None
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)

pytest_plugins = ["simulator.pytest_plugin"]
