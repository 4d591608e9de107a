"""The matchers fail with a message that carries both values, and only when the
condition a ``check`` would state fails."""

from __future__ import annotations

import pytest

from conformance.expect import ConformanceFailure, contains, equal, one_of


def test_equal_names_what_came_back_and_what_was_expected() -> None:
    equal("a", "a", "the name")
    equal({2, 1}, {1, 2}, "the set of ids")
    with pytest.raises(ConformanceFailure, match=r"^the name is 'x', expected 'y'$"):
        equal("x", "y", "the name")
    with pytest.raises(ConformanceFailure,
                       match=r"^the set of ids is \['a', 'b'\], expected \['c'\]$"):
        equal({"b", "a"}, {"c"}, "the set of ids")


def test_contains_names_the_member_and_the_container() -> None:
    contains(["a", "b"], "b", "the items")
    with pytest.raises(ConformanceFailure,
                       match=r"^'c' is not among the items \(\['a', 'b'\]\)$"):
        contains({"b", "a"}, "c", "the items")


def test_one_of_names_the_choices() -> None:
    one_of(410, (404, 410), "the status")
    with pytest.raises(ConformanceFailure,
                       match=r"^the status is 500, expected one of 404, 410$"):
        one_of(500, (404, 410), "the status")


def test_sets_are_shown_sorted_also_in_a_map() -> None:
    with pytest.raises(ConformanceFailure,
                       match=r"^held is \{'items': \['a', 'b'\]\}, expected \{'items': \[\]\}$"):
        equal({"items": {"b", "a"}}, {"items": set()}, "held")
