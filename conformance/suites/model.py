"""One model of an inventory tree, and the sequences of operations replayed against it:
the generated sequence tests of XInventory (``suites/xinventory/test_properties.py``) and
AIS3 (``suites/ais/test_properties.py``) both build on it.

A sequence is an explicit list of steps, each an operation's name and two numbers that
pick what it works on (which folder, which item), rather than Hypothesis's
``RuleBasedStateMachine``: the run's budget (``conformance/plugin/examples.py``) works on
a ``@given`` test, and each sequence test carries ``@example`` step lists, sent in every
run, that catch every known fault (``tests/test_budget.py``); a state machine has no
explicit examples and no pytest fixtures. A sequence class declares its operations with
``@operation``, in the order a step draws them; ``steps`` is the strategy of its
sequences and ``run`` replays one, operation by operation, against the target and the
model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from conformance.clients.http import SuiteError

#: One step of a sequence: the operation's name and two numbers that pick its subjects.
Step = tuple[str, int, int]
Operation = Callable[[Any, int, int], None]
OperationT = TypeVar("OperationT", bound=Operation)

_OPERATIONS: set[Callable[..., None]] = set()


def operation(method: OperationT) -> OperationT:
    """Declare a method of a ``TreeSequence`` one of its operations."""
    _OPERATIONS.add(method)
    return method


def sequence_settings(max_examples: int) -> settings:
    """The settings of a sequence test: no deadline (every step is a round trip to the
    target), and the test's fixtures shared by its examples (each sequence makes its own
    sandbox folders)."""
    return settings(max_examples=max_examples, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def pick(choices: Sequence[str], index: int) -> str | None:
    """The index-th of the choices (round and round), or None when there are none."""
    return choices[index % len(choices)] if choices else None


@dataclass
class InventoryTree:
    """What the target should hold below the test's sandbox folders (``roots``): folders,
    items and links, by id, and what the operations removed."""

    roots: tuple[str, ...]
    parents: dict[str, str] = field(default_factory=dict)  # folder -> parent
    items: dict[str, str] = field(default_factory=dict)  # item -> folder
    links: dict[str, tuple[str, str]] = field(default_factory=dict)  # link -> (folder, target)
    names: dict[str, str] = field(default_factory=dict)  # folder or item -> name
    removed_folders: set[str] = field(default_factory=set)
    removed_items: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.roots:
            raise SuiteError("an inventory tree model needs a root folder")

    def folders(self) -> list[str]:
        """The roots, then every folder in the order the model learnt it."""
        return [*self.roots, *self.parents]

    def folder_at(self, index: int, *, by_id: bool = False) -> str:
        """The index-th folder (there is always one), in the order of ``folders`` or by
        id."""
        folders = sorted(self.folders()) if by_id else self.folders()
        return folders[index % len(folders)]

    def subtree(self, folder_id: str) -> set[str]:
        """The folder and every folder below it."""
        found = {folder_id}
        for child, parent in self.parents.items():
            if parent == folder_id:
                found |= self.subtree(child)
        return found

    def folders_outside(self, folder_id: str) -> list[str]:
        """The folders not in the folder's subtree (where it may move or copy to), in the
        order of ``folders``."""
        subtree = self.subtree(folder_id)
        return [folder for folder in self.folders() if folder not in subtree]

    def within(self, folder_id: str, ancestor: str, *, itself: bool) -> bool:
        """Whether the folder is below ``ancestor`` (or, with ``itself``, is it)."""
        current = folder_id if itself else self.parents.get(folder_id)
        while current is not None:
            if current == ancestor:
                return True
            current = self.parents.get(current)
        return False

    def children(self, folder_id: str) -> set[str]:
        return {child for child, parent in self.parents.items() if parent == folder_id}

    def items_in(self, folder_id: str) -> set[str]:
        return {item for item, folder in self.items.items() if folder == folder_id}

    def links_in(self, folder_id: str) -> set[str]:
        return {link for link, (folder, _) in self.links.items() if folder == folder_id}

    def contents(self, folders: set[str]) -> set[str]:
        """The items and links in any of the folders."""
        return ({item for item, folder in self.items.items() if folder in folders}
                | {link for link, (folder, _) in self.links.items() if folder in folders})

    def forget(self, folders: set[str], items: set[str]) -> None:
        """The folders and items (or links) are gone from the target."""
        for folder in folders:
            self.parents.pop(folder, None)
        for item in items:
            self.items.pop(item, None)
            self.links.pop(item, None)
        self.removed_folders |= folders
        self.removed_items |= items

    def empty(self, folder_id: str) -> None:
        """Everything below the folder is gone (the folder stays)."""
        below = self.subtree(folder_id)
        self.forget(below - {folder_id}, self.contents(below))

    def remove(self, folder_id: str) -> None:
        """The folder and everything below it are gone."""
        doomed = self.subtree(folder_id)
        self.forget(doomed, self.contents(doomed))


class TreeSequence:
    """Replays steps against the target and ``model``. A subclass declares its operations
    with ``@operation`` (each takes the step's two numbers) and checks the whole tree in
    ``check_tree``."""

    operations: ClassVar[dict[str, Operation]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = {name: member for name, member in vars(cls).items()
                    if callable(member) and member in _OPERATIONS}
        cls.operations = {**cls.operations, **declared}

    def __init__(self, model: InventoryTree) -> None:
        self.model = model

    @classmethod
    def steps(cls, max_size: int) -> st.SearchStrategy[list[Step]]:
        """Sequences of 1 to ``max_size`` steps of the class's operations."""
        return st.lists(st.tuples(st.sampled_from(tuple(cls.operations)), st.integers(0, 99),
                                  st.integers(0, 99)), min_size=1, max_size=max_size)

    def run(self, steps: Sequence[Step]) -> None:
        """Apply the steps in order (each checks the target's answers as it goes)."""
        for name, a, b in steps:
            method = self.operations.get(name)
            if method is None:
                raise SuiteError(f"unknown operation {name}")
            method(self, a, b)

    def check_tree(self) -> None:
        raise NotImplementedError
