"""`opensim-conformance cleanup` tells the truth: exit 0 when everything removable was
removed, what no protocol can remove listed as such (never a failure), a missing or
unreadable ledger a one-line usage error, and the ledger a run names (also with -n 2)
exists and takes its workers' ledgers along."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from conformance.clients.asset import AssetClient
from conformance.clients.http import HttpClient, Recorder
from conformance.clients.xinventory import XInventoryClient
from conformance.ledger import Entry, Ledger, LedgerError, ledger_summary, run_ledgers
from conformance.reference.app import ReferenceConfig, create_app
from conformance.reference.asset import AssetSettings
from conformance.reference.server import ServerThread

COMMAND = [sys.executable, "-m", "conformance.cli"]
PRINCIPAL = "00000000-0000-0000-0000-0000000000aa"


def cleanup(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, "cleanup", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_what_no_protocol_removes_is_listed_and_does_not_fail(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        http = HttpClient(server.url, timeout=5, recorder=Recorder())
        assets = AssetClient(http, ledger, PRINCIPAL)
        asset_id, _ = assets.store()
        inventory = XInventoryClient(http, ledger, PRINCIPAL)
        assert inventory.create_user_inventory().status == 200
        result = cleanup("--ledger", str(ledger.path), cwd=tmp_path)
        assert assets.get(asset_id).status == 404
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"left by design: 1 xinventory inventory \(no XInventory method removes "
                     rf"a user's inventory\): {PRINCIPAL}", result.stdout), result.stdout
    assert result.stdout.splitlines()[-1] == (
        "cleanup: 1 removed, 1 cannot be removed by any protocol, 0 objects remain: "
        "everything removable was removed")


def test_what_could_be_removed_and_remains_fails(tmp_path: Path) -> None:
    """A server that refuses remote deletion keeps the asset: exit 1, and why."""
    ledger = Ledger(tmp_path / "ledger.jsonl")
    config = ReferenceConfig(asset_settings=AssetSettings(allow_remote_delete=False))
    with ServerThread(create_app(tmp_path / "grid.sqlite", config)) as server:
        assets = AssetClient(HttpClient(server.url, timeout=5, recorder=Recorder()), ledger,
                             PRINCIPAL)
        asset_id, _ = assets.store()
        result = cleanup("--ledger", str(ledger.path), cwd=tmp_path)
    assert result.returncode == 1
    assert f"still there: asset asset {asset_id}" in result.stdout
    assert "AllowRemoteDelete=false" in result.stdout
    assert "1 objects remain that could be removed" in result.stdout


def test_objects_on_a_remote_target_need_allow_writes(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.created(Entry("asset", "asset", "11111111-0000-0000-0000-000000000001",
                         "http://192.0.2.1:8003", PRINCIPAL))
    result = cleanup("--ledger", str(ledger.path), cwd=tmp_path)
    assert result.returncode == 1
    assert "run again with --allow-writes" in result.stdout


def test_a_missing_or_unreadable_ledger_is_one_line_and_exit_4(tmp_path: Path) -> None:
    missing = cleanup("--ledger", str(tmp_path / "nothing.jsonl"), cwd=tmp_path)
    assert missing.returncode == 4
    assert missing.stderr.strip() == (f"opensim-conformance cleanup: --ledger "
                                      f"{tmp_path / 'nothing.jsonl'}: no such ledger")
    garbage = tmp_path / "garbage.jsonl"
    for data, says in ((b'{"op": "created", "service": "asset"}\n', "line 1: not a ledger"),
                       (b"\n\nnot json at all\n", "line 3: not a ledger record (not JSON)"),
                       (b"\xff\xfe\x00 not text", "cannot be read")):
        garbage.write_bytes(data)
        result = cleanup("--ledger", str(garbage), cwd=tmp_path)
        assert result.returncode == 4, (data, result.stdout)
        assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr
        assert "Traceback" not in result.stderr


def test_a_run_with_workers_names_a_ledger_that_exists(tmp_path: Path) -> None:
    """With -n 2 the summary names the run's ledger, which exists, and cleanup of it
    exits 0 (only the principal's inventory, which nothing removes, remains)."""
    result = subprocess.run(
        [*COMMAND, "-n", "2", "-p", "no:cacheprovider", "-m", "xinventory",
         "--requirement", "XINV-GETITEM-UNKNOWN", "--requirement", "XINV-GETROOTFOLDER-ID"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    data = json.loads((tmp_path / "reports" / "results.json").read_text("utf-8"))
    named = Path(data["cleanup"]["ledger"])
    path = named if named.is_absolute() else tmp_path / named
    assert path.is_file(), f"the summary names {named}, which does not exist"
    remaining = ledger_summary(run_ledgers(path))[1]
    assert remaining and {e.kind for e in remaining} == {"inventory"}
    assert f"ledger: {named}" in result.stdout
    again = cleanup("--ledger", str(named), cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 objects remain" in again.stdout


def test_the_ledgers_of_a_run_are_its_own_and_its_workers(tmp_path: Path) -> None:
    run = tmp_path / "ledger-1.jsonl"
    for name in ("ledger-1-gw0.jsonl", "ledger-1-gw1.jsonl", "ledger-10.jsonl"):
        (tmp_path / name).write_text("")
    assert run_ledgers(run) == [tmp_path / "ledger-1-gw0.jsonl", tmp_path / "ledger-1-gw1.jsonl"]
    run.write_text("")
    assert run_ledgers(run)[0] == run and len(run_ledgers(run)) == 3


def test_a_ledger_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text('{"op": "created", "service": "asset", "kind": "asset", "id": "x", '
                    '"url": "http://127.0.0.1:1", "principal": "p"}\n[1, 2]\n')
    try:
        ledger_summary([path])
    except LedgerError as exc:
        assert str(exc).startswith(f"ledger {path}, line 2: not a ledger record")
    else:
        raise AssertionError("a list is not a ledger record")


def test_the_html_report_asks_for_no_retry_of_what_nothing_removes() -> None:
    from conformance.report.html import cleanup as cleanup_html

    inventory = {"service": "xinventory", "kind": "inventory", "id": PRINCIPAL,
                 "url": "http://127.0.0.1:1", "principal": PRINCIPAL}
    asset = {**inventory, "service": "asset", "kind": "asset"}
    only_inventory = cleanup_html({"created": 2, "remaining": [inventory], "ledger": "l.jsonl"})
    assert "Everything removable was removed" in only_inventory
    assert "cleanup --ledger" not in only_inventory
    both = cleanup_html({"created": 2, "remaining": [inventory, asset], "ledger": "l.jsonl"})
    assert "opensim-conformance cleanup --ledger l.jsonl" in both


def test_a_ledger_cut_off_in_its_last_line_is_cleaned_up_and_the_line_named(
        tmp_path: Path) -> None:
    """A run killed while writing a record: cleanup removes everything the intact lines
    name, says which line was damaged, and the ledger stays readable afterwards."""
    ledger = Ledger(tmp_path / "ledger.jsonl")
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        assets = AssetClient(HttpClient(server.url, timeout=5, recorder=Recorder()), ledger,
                             PRINCIPAL)
        stored = [assets.store()[0] for _ in range(3)]
        with ledger.path.open("a", encoding="utf-8") as handle:
            handle.write('{"op": "created", "service": "asset", "kind": "as')
        result = cleanup("--ledger", str(ledger.path), cwd=tmp_path)
        assert [assets.get(asset_id).status for asset_id in stored] == [404] * 3
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"ledger {re.escape(str(ledger.path))}, line 4: damaged .*ignored: "
                     r"'\{\"op\": \"created\"", result.stdout), result.stdout
    assert result.stdout.splitlines()[-1].startswith("cleanup: 3 removed")
    created, remaining = ledger_summary([ledger.path])
    assert created == 3 and remaining == []
    again = cleanup("--ledger", str(ledger.path), cwd=tmp_path)
    assert again.returncode == 0 and "damaged" not in again.stdout, again.stdout


def test_a_whole_last_record_without_its_line_end_counts(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    record = {"op": "created", "service": "asset", "kind": "asset", "id": "x",
              "url": "http://127.0.0.1:1", "principal": "p"}
    path.write_text(json.dumps(record))
    damaged: list[str] = []
    assert ledger_summary([path], damaged)[0] == 1 and damaged == []
    Ledger(path).removed(Entry("asset", "asset", "x", "http://127.0.0.1:1", "p"))
    assert ledger_summary([path]) == (1, [])


class XInventoryMethods:
    """The reference app, counting the XInventory calls it is sent by METHOD, and
    answering the METHODs of ``answers`` with the body given instead (a server that
    lacks a method, or says True and does nothing)."""

    def __init__(self, app: Any, answers: dict[str, bytes] | None = None) -> None:
        self.app = app
        self.answers = answers or {}
        self.calls: Counter[str] = Counter()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/xinventory":
            await self.app(scope, receive, send)
            return
        body, messages = b"", []
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        method = parse_qs(body.decode("latin-1")).get("METHOD", [""])[0]
        self.calls[method] += 1
        if method in self.answers:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/xml")]})
            await send({"type": "http.response.body", "body": self.answers[method]})
            return
        replay = iter(messages)

        async def again() -> Any:
            return next(replay)

        await self.app(scope, again, send)


@contextmanager
def served(app: XInventoryMethods) -> Iterator[tuple[HttpClient, Any]]:
    """The server running ``app``: a client of it, and its profile."""
    from conformance.target import profile_from_dict

    with ServerThread(app) as server:
        yield (HttpClient(server.url, timeout=5, recorder=Recorder()),
               profile_from_dict({"target": server.url}))


@contextmanager
def one_principal(tmp_path: Path, app: XInventoryMethods
                  ) -> Iterator[tuple[XInventoryClient, str, Any]]:
    """The server running ``app``, and a fresh principal's inventory in the ledger at
    ``tmp_path``: its client, its root folder's id, the server's profile."""
    from conformance.suites.xinventory.steps import create_inventory

    with served(app) as (http, profile):
        client = XInventoryClient(http, Ledger(tmp_path / "ledger.jsonl"), PRINCIPAL)
        yield client, create_inventory(client).root.id, profile


def add_items(client: XInventoryClient, folder: str, count: int) -> list[str]:
    items = [client.new_item(folder) for _ in range(count)]
    for item in items:
        assert client.add_item(item).status == 200
    return [item.id for item in items]


def nested_folders(client: XInventoryClient, root: str) -> list[str]:
    """Three folders, one inside the other, in ``root``."""
    from conformance.suites.xinventory.steps import add_folder

    folders = [add_folder(client, root).id]
    for _ in range(2):
        folders.append(add_folder(client, folders[-1]).id)
    return folders


def test_an_inventory_that_nothing_removes_is_asked_about_once(tmp_path: Path) -> None:
    """The end of a run against a distant grid: each user inventory the run made costs
    the cleanup one GETROOTFOLDER (whether it came to be), not a second one after the
    objects that can be removed."""
    from conformance.cleanup import cleanup as clean

    ledger = Ledger(tmp_path / "ledger.jsonl")
    app = XInventoryMethods(create_app(tmp_path / "grid.sqlite"))
    with served(app) as (http, profile):
        principals = [f"00000000-0000-0000-0000-0000000000b{n}" for n in range(3)]
        for principal in principals:
            assert XInventoryClient(http, ledger, principal).create_user_inventory().status \
                == 200
        app.calls.clear()
        left = clean(profile, ledger)
    assert sorted(entry.id for entry in left) == principals
    assert app.calls == {"GETROOTFOLDER": len(principals)}


def test_removed_items_are_confirmed_a_hundred_at_a_time(tmp_path: Path) -> None:
    """The cleanup asks whether 150 removed items are gone in two GETMULTIPLEITEMS, not
    150 GETITEMs (a round trip each, against a distant grid)."""
    from conformance.cleanup import cleanup as clean

    app = XInventoryMethods(create_app(tmp_path / "grid.sqlite"))
    with one_principal(tmp_path, app) as (client, root, profile):
        add_items(client, root, 150)
        app.calls.clear()
        left = clean(profile, client.ledger)
    assert [entry.kind for entry in left] == ["inventory"]
    assert app.calls["GETMULTIPLEITEMS"] == 2
    assert app.calls["GETITEM"] == 0


def test_without_getmultipleitems_each_item_is_asked_about(tmp_path: Path) -> None:
    """A server that answers GETMULTIPLEITEMS with an empty ServerResponse (it lacks the
    method) tells nothing: each item is asked about with GETITEM."""
    from conformance.cleanup import cleanup as clean

    empty = b'<?xml version="1.0"?><ServerResponse />'
    app = XInventoryMethods(create_app(tmp_path / "grid.sqlite"), {"GETMULTIPLEITEMS": empty})
    with one_principal(tmp_path, app) as (client, root, profile):
        add_items(client, root, 3)
        app.calls.clear()
        left = clean(profile, client.ledger)
    assert [entry.kind for entry in left] == ["inventory"]
    assert app.calls["GETITEM"] == 3


def test_items_a_server_keeps_are_named_as_remaining(tmp_path: Path) -> None:
    """A server that says True to DELETEITEMS and keeps the items: GETMULTIPLEITEMS lists
    them, and the cleanup reports them as remaining."""
    from conformance.cleanup import cleanup as clean

    true = b'<?xml version="1.0"?><ServerResponse><RESULT>True</RESULT></ServerResponse>'
    app = XInventoryMethods(create_app(tmp_path / "grid.sqlite"), {"DELETEITEMS": true})
    with one_principal(tmp_path, app) as (client, root, profile):
        item_ids = add_items(client, root, 3)
        app.calls.clear()
        left = clean(profile, client.ledger)
    assert sorted(entry.id for entry in left if entry.kind == "item") == sorted(item_ids)
    assert app.calls["GETMULTIPLEITEMS"] >= 1


def test_folders_inside_a_removed_folder_go_with_it(tmp_path: Path) -> None:
    """Three folders, one inside the other: one MOVEFOLDER (the outermost into Trash)
    and one DELETEFOLDERS remove all three."""
    from conformance.cleanup import cleanup as clean

    app = XInventoryMethods(create_app(tmp_path / "grid.sqlite"))
    with one_principal(tmp_path, app) as (client, root, profile):
        nested_folders(client, root)
        app.calls.clear()
        left = clean(profile, client.ledger)
    assert [entry.kind for entry in left] == ["inventory"]
    assert (app.calls["MOVEFOLDER"], app.calls["DELETEFOLDERS"]) == (1, 1)


def test_folders_a_server_keeps_are_named_as_remaining(tmp_path: Path) -> None:
    """A server that says True to DELETEFOLDERS and keeps the folders: the skeleton still
    lists them, each is tried once more on its own, and all three are named as
    remaining."""
    from conformance.cleanup import cleanup as clean

    true = b'<?xml version="1.0"?><ServerResponse><RESULT>True</RESULT></ServerResponse>'
    app = XInventoryMethods(create_app(tmp_path / "grid.sqlite"), {"DELETEFOLDERS": true})
    with one_principal(tmp_path, app) as (client, root, profile):
        folder_ids = nested_folders(client, root)
        app.calls.clear()
        left = clean(profile, client.ledger)
    assert sorted(entry.id for entry in left if entry.kind == "folder") == sorted(folder_ids)


def test_a_ledger_records_a_folders_parent_and_reads_it_back(tmp_path: Path) -> None:
    """The parent travels through the ledger file (a later ``cleanup --ledger`` moves
    only the outermost folder too), and is no part of the entry's identity."""
    ledger = Ledger(tmp_path / "ledger.jsonl")
    entry = Entry("xinventory", "folder", "f", "http://127.0.0.1:1", "p", parent="q")
    ledger.created(entry)
    [read] = ledger.remaining()
    assert read.parent == "q" and read == Entry("xinventory", "folder", "f",
                                                "http://127.0.0.1:1", "p")
    ledger.removed(Entry("xinventory", "folder", "f", "http://127.0.0.1:1", "p"))
    assert ledger.remaining() == []
