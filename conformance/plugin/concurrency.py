"""How a run spreads over pytest-xdist workers (``-n N``).

Workers take whole test modules (the tests of a module depend on the state its fixtures
built, and a module's principal is created once, whatever the worker count), the tests
that act as the viewer (caps and AIS3) all run on one worker against a target of the
user's, so a run logs the avatar in once (a second login of the same avatar can end the
first session on a real grid), and
every worker acts as the run's principal and writes to the run's one ledger (the main
room).
"""

from __future__ import annotations

from typing import Any

import pytest

#: Folders (below conformance/suites/) whose tests log in as the viewer: one worker
#: takes them all.
VIEWER_SUITES = ("/caps/", "/ais/")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Workers take whole modules, the viewer's tests together, unless the user chose
    another distribution than the default "load"."""
    if config.getoption("dist") not in ("load", "loadscope"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    from conformance.plugin import conformance_run

    # The embedded reference server takes any number of logins of its avatar.
    one_login = not conformance_run(config).profile.embedded

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if "suites/" not in module:
                return nodeid  # not a conformance test (a self-test): one test a unit
            if one_login and any(folder in f"/{module}" for folder in VIEWER_SUITES):
                return "viewer"
            return module

    return ModuleScheduling(config, log)
