"""opensim-conformance: the protocol conformance suite for the asset and inventory web
APIs of OpenSimulator-compatible grids and Second Life's inventory APIs."""

from importlib.metadata import PackageNotFoundError, version


def tool_version() -> str:
    """The installed opensim-conformance's version ("unknown" in a bare checkout)."""
    try:
        return version("opensim-conformance")
    except PackageNotFoundError:
        return "unknown"
