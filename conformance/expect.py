"""Matchers: each check is one readable line in a test, and a failed check says what
was expected and what came back. The plugin adds the requirement, its quote and the
wire transcript to the report, so a matcher only states the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol, TypeVar

from conformance.clients.http import Exchange, Recorder, SuiteError, TargetFailure
from conformance.resources import schema_violations
from conformance.wire.xml import WireError

T = TypeVar("T")


class Observe(Protocol):
    """The ``observe`` fixture: note what the target did, beside the verdict."""

    def __call__(self, text: str, about: str | None = None) -> None: ...


class ConformanceFailure(TargetFailure):
    """The target's answer breaks the requirement under test."""


class Blocked(Exception):
    """A step the test needs first failed because of the target (storing the asset a
    DELETE test deletes): the requirement under test is not judged. A step that is the
    behaviour of a requirement of its own names it (``requirement``): that requirement
    failed, and the test is blocked by it."""

    def __init__(self, step: str, cause: str, requirement: str | None = None) -> None:
        by = f"blocked by {requirement}: " if requirement else ""
        super().__init__(f"{by}{step}: {cause}")
        self.step = step
        self.cause = cause
        self.requirement = requirement


@dataclass
class FailedStep:
    """A setup step that is a requirement's behaviour, and the target failed it: the
    failure of that requirement, whichever test ran the step."""

    requirement: str
    step: str
    cause: str
    exchanges: list[Exchange]


@dataclass
class _TestSteps:
    """The steps of the test that is running that failed, and its recorder."""

    recorder: Recorder | None
    failed: list[FailedStep] = field(default_factory=list)


_steps: ContextVar[_TestSteps] = ContextVar("conformance-steps")


def begin_test(recorder: Recorder | None) -> None:
    """A test begins (the plugin calls this beside ``recorder.start()``): no step of it
    has failed yet."""
    _steps.set(_TestSteps(recorder))


def failed_steps() -> list[FailedStep]:
    """The steps that failed in the running test, each the failure of its requirement."""
    current = _steps.get(None)
    return list(current.failed) if current is not None else []


def note(text: str, about: str | None = None) -> None:
    """Observe ``text`` for the running test from a step (where the ``observe`` fixture
    is not at hand); ``about`` is its ID in conformance/observations.toml."""
    current = _steps.get(None)
    if current is not None and current.recorder is not None:
        current.recorder.observe(text, about)


def fail(message: str) -> NoReturn:
    raise ConformanceFailure(message)


def _sent() -> int:
    current = _steps.get(None)
    recorder = current.recorder if current is not None else None
    return len(recorder.exchanges) if recorder is not None else 0


def _failed(requirement: str, description: str, cause: str, since: int) -> None:
    current = _steps.get(None)
    if current is None:
        return
    exchanges = current.recorder.exchanges[since:] if current.recorder is not None else []
    current.failed.append(FailedStep(requirement, description, cause, list(exchanges)))


@contextmanager
def step(description: str, requirement: str | None = None) -> Iterator[None]:
    """A setup step the test needs (``with step("could not store the asset this test
    needs"):``). A failure of the target inside it, a failed check or a transport
    failure, blocks the test instead of failing its requirement; a suite error stays one.

    A step that is a requirement's own behaviour names it (``requirement="AIS-CATEGORY-
    POST"``): its failure is then that requirement's failure, with the step's exchanges,
    and the test is blocked by that requirement, by name.
    """
    since = _sent()
    try:
        yield
    except SuiteError:
        raise
    except TargetFailure as exc:
        if requirement is not None:
            _failed(requirement, description, str(exc), since)
        raise Blocked(description, str(exc), requirement) from exc
    except Blocked as exc:
        if requirement is None or exc.requirement is not None:
            raise
        # a step inside this one that names no requirement: its failure is this one's
        _failed(requirement, description, exc.cause, since)
        raise Blocked(description, exc.cause, requirement) from exc


def attempt(description: str, requirement: str, action: Callable[[], T]) -> T | None:
    """One way of a step that has others: ``action()``'s value, or None when the target
    failed it. The failure is ``requirement``'s all the same (the way is that
    requirement's behaviour), and the caller goes on with another way the pages allow."""
    since = _sent()
    try:
        return action()
    except SuiteError:
        raise
    except TargetFailure as exc:
        _failed(requirement, description, str(exc), since)
        return None


def present(value: T | None, what: str) -> T:
    """``value``, which the target's answer must have held; its absence fails the check
    (``folder = present(reply.get("folder"), "the folder")``)."""
    if value is None:
        fail(f"{what} is missing from the answer")
    return value


def check(condition: object, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        fail(message)


def shown(value: object) -> str:
    """``value`` as a failure message shows it: its repr, a set's members sorted (also
    as a map's values)."""
    if isinstance(value, set | frozenset):
        return repr(sorted(value, key=repr))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {shown(item)}" for key, item in value.items()) + "}"
    return repr(value)


def equal(actual: object, expected: object, what: str) -> None:
    """``what`` (in the target's answer) is ``actual`` and must be ``expected``
    (``equal(item.get("name"), name, "the item's name")``: "the item's name is 'a',
    expected 'b'")."""
    if actual != expected:
        fail(f"{what} is {shown(actual)}, expected {shown(expected)}")


def contains(container: Collection[object], member: object, what: str) -> None:
    """``container`` (``what``) must hold ``member`` ("'b' is not among the folder's
    items (['a'])")."""
    if member not in container:
        fail(f"{shown(member)} is not among {what} ({shown(container)})")


def one_of(actual: object, choices: Collection[object], what: str) -> None:
    """``what`` is ``actual`` and must be one of ``choices`` ("the status is 500,
    expected one of 404, 410")."""
    if actual not in choices:
        fail(f"{what} is {shown(actual)}, expected one of "
             f"{', '.join(shown(choice) for choice in choices)}")


def expect(exchange: Exchange) -> Reply:
    return Reply(exchange)


class Reply:
    """Checks on one exchange; each returns ``self`` so checks chain."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange

    def status(self, *codes: int) -> Reply:
        if self.exchange.status not in codes:
            wanted = " or ".join(str(code) for code in codes)
            fail(f"expected HTTP status {wanted}, got {self.exchange.status}")
        return self

    def empty_body(self) -> Reply:
        if self.exchange.body.strip():
            fail(f"expected an empty body, got {len(self.exchange.body)} bytes")
        return self

    def content_type(self, *media_types: str) -> Reply:
        received = (self.exchange.header("Content-Type") or "").split(";")[0].strip().lower()
        if received not in media_types:
            fail(f"expected Content-Type {' or '.join(media_types)}, got {received or 'none'}")
        return self

    def parsed(self, parser: Callable[[bytes], T], what: str) -> T:
        """The body read by a codec; a body the codec cannot read fails the check."""
        try:
            return parser(self.exchange.body)
        except WireError as exc:
            fail(f"the body is not {what}: {exc}")

    def conforms(self, schema: str, instance: Any) -> Reply:
        """``instance`` (the body as a plain structure) is valid under the JSON Schema."""
        violations = schema_violations(schema, instance)
        if violations:
            fail(f"the body breaks {schema}.schema.json:\n  " + "\n  ".join(violations))
        return self
