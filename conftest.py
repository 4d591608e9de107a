"""Checkout convenience: load the plugin when the package is not installed (an installed
or editable package loads it from its pytest11 entry point)."""

from importlib.metadata import entry_points

if not any(ep.value == "conformance.plugin" for ep in entry_points(group="pytest11")):
    pytest_plugins = ["conformance.plugin"]
