"""Checkout convenience: load the plugin when the package is not installed (an installed
or editable package loads it from its pytest11 entry point, conformance.pytest_entry,
which loads the rooms for conformance runs only; here they are always loaded)."""

from importlib.metadata import entry_points

if not any(ep.value == "conformance.pytest_entry" for ep in entry_points(group="pytest11")):
    from conformance.pytest_entry import ROOMS

    pytest_plugins = ["conformance.pytest_entry", *ROOMS]
