"""The imports run one way (the rest of the contract is in pyproject.toml, checked by
``lint-imports``): a suite's steps import no test module, and no module of the suite
imports another inside a function to dodge a cycle."""

from __future__ import annotations

import grimp


def test_steps_import_no_test_module() -> None:
    graph = grimp.build_graph("conformance")
    steps = sorted(module for module in graph.modules
                   if module.startswith("conformance.suites.") and module.endswith(".steps"))
    assert steps
    wrong = [f"{step} -> {imported}" for step in steps
             for imported in sorted(graph.find_modules_directly_imported_by(step))
             if imported.startswith("conformance.suites.")
             and imported.rsplit(".", 1)[-1].startswith("test_")]
    assert not wrong, wrong
