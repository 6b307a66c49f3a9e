"""Root conftest: import our custom_components before the test plugin's own."""

import custom_components  # noqa: F401  # pylint: disable=unused-import

pytest_plugins = ["simulator.pytest_plugin"]
