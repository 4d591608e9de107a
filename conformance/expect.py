"""Matchers: each check is one readable line in a test, and a failed check says what
was expected and what came back. The plugin adds the requirement, its quote and the
wire transcript to the report, so a matcher only states the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, Protocol, TypeVar

from conformance.clients.http import Exchange, SuiteError, TargetFailure
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
    DELETE test deletes): the requirement under test is not judged."""

    def __init__(self, step: str, cause: str) -> None:
        super().__init__(f"{step}: {cause}")
        self.step = step
        self.cause = cause


def fail(message: str) -> NoReturn:
    raise ConformanceFailure(message)


@contextmanager
def step(description: str) -> Iterator[None]:
    """A setup step the test needs (``with step("could not store the asset this test
    needs"):``). A failure of the target inside it, a failed check or a transport
    failure, blocks the test instead of failing its requirement; a suite error stays one.
    """
    try:
        yield
    except SuiteError:
        raise
    except TargetFailure as exc:
        raise Blocked(description, str(exc)) from exc


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
