"""The viewer's side of a run: log in through XML-RPC ``login_to_simulator``, ask the seed
capability for the capabilities the suite tests, and log out at the end.

A viewer never guesses capability URLs: they are opaque and per agent. The login reply
gives the seed capability, the agent's id, its inventory root and the library's owner
and root; a POST of the wanted names (an LLSD array) to the seed answers a map of the
granted ones. The password is sent as the viewer sends it (``$1$`` + md5) and never
appears in a transcript, a report or the terminal.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import struct
import time
import uuid
import xmlrpc.client
from dataclasses import dataclass, field
from typing import Any

from conformance.clients.http import Exchange, HttpClient, Recorder, TargetFailure
from conformance.wire import llsd
from conformance.wire.xml import WireError, refuse_dtd

#: The capabilities the suite asks the seed for (the inventory ones and AIS3's).
WANTED_CAPABILITIES = ("FetchInventory2", "FetchInventoryDescendents2", "FetchLib2",
                       "FetchLibDescendents2", "InventoryAPIv3", "LibraryAPIv3")
REDACTED = "(redacted)"
XMLRPC_HEADERS = {"Content-Type": "text/xml"}
LLSD_HEADERS = {"Content-Type": llsd.XML_TYPE, "Accept": llsd.VIEWER_ACCEPT}


class LoginFailed(TargetFailure):
    """The grid refused the login or answered something a viewer cannot use."""


@dataclass
class Viewer:
    """A logged-in agent (or one given by explicit capability URLs)."""

    agent_id: str
    inventory_root: str
    library_owner: str | None = None
    library_root: str | None = None
    #: Capability name -> URL, as the seed capability granted it (or given explicitly).
    capabilities: dict[str, str] = field(default_factory=dict)
    session_id: str | None = None
    seed_capability: str | None = None
    #: The region simulator's UDP endpoint and circuit code, for the logout.
    simulator: tuple[str, int] | None = None
    circuit_code: int = 0
    logged_out: bool = False
    #: The login reply's inventory-skeleton: the agent's categories as the viewer first
    #: reads them (folder_id, parent_id, name, type_default, version).
    skeleton: list[dict[str, Any]] = field(default_factory=list)

    def capability(self, name: str) -> str | None:
        return self.capabilities.get(name)

    def logout(self, timeout: float = 2.0) -> None:
        """Log out as a viewer does: UseCircuitCode then LogoutRequest to the region
        simulator over UDP (best effort; a grid without one keeps nothing of the login
        but the session, which times out)."""
        if self.logged_out or self.simulator is None or self.session_id is None:
            self.logged_out = True
            return
        self.logged_out = True
        session, agent = uuid.UUID(self.session_id).bytes, uuid.UUID(self.agent_id).bytes
        with contextlib.suppress(OSError), \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(timeout)
            sock.sendto(udp_packet(1, USE_CIRCUIT_CODE, struct.pack("<I", self.circuit_code)
                                   + session + agent), self.simulator)
            sequence = self._answer(sock, self.simulator, 3, until=None, deadline=0.5)
            sock.sendto(udp_packet(2, LOGOUT_REQUEST, agent + session), self.simulator)
            self._answer(sock, self.simulator, sequence + 1, until=LOGOUT_REPLY,
                         deadline=timeout * 2)

    @staticmethod
    def _answer(sock: socket.socket, simulator: tuple[str, int], sequence: int, *,
                until: int | None, deadline: float) -> int:
        """Acknowledge the simulator's reliable packets (a simulator waits for the ack of
        its LogoutReply before it lets the agent go) until ``until`` arrives or the
        deadline; the next sequence number is returned."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            try:
                sock.settimeout(max(0.05, end - time.monotonic()))
                data, _ = sock.recvfrom(65536)
            except OSError:
                return sequence
            if len(data) < 6:
                continue
            if data[0] & 0x40:  # reliable: acknowledge its sequence number
                ack = bytes([1]) + struct.pack("<I", struct.unpack(">I", data[1:5])[0])
                sock.sendto(bytes([0]) + struct.pack(">I", sequence) + b"\x00"
                            + b"\xff\xff\xff\xfb" + ack, simulator)
                sequence += 1
            if until is not None and low_message(data) == until:
                return sequence
        return sequence


def low_message(packet: bytes) -> int | None:
    """The number of a Low-frequency message in an LLUDP packet, else None."""
    body = packet[6 + packet[5]:]
    if packet[0] & 0x80:  # zero-coded: a 0 byte is followed by how many zeros it stands for
        decoded, index = bytearray(), 0
        while index < len(body) and len(decoded) < 4:
            if body[index] == 0 and index + 1 < len(body):
                decoded += bytes(body[index + 1])
                index += 2
            else:
                decoded.append(body[index])
                index += 1
        body = bytes(decoded)
    if len(body) < 4 or body[:2] != b"\xff\xff":
        return None
    return int(struct.unpack(">H", body[2:4])[0])


USE_CIRCUIT_CODE = 3
LOGOUT_REQUEST = 252
LOGOUT_REPLY = 253


def udp_packet(sequence: int, low_message: int, body: bytes) -> bytes:
    """An LLUDP packet, reliable, of a Low-frequency message."""
    return (bytes([0x40]) + struct.pack(">I", sequence) + b"\x00"
            + b"\xff\xff" + struct.pack(">H", low_message) + body)


def password_hash(password: str) -> str:
    return "$1$" + hashlib.md5(password.encode("utf-8")).hexdigest()


def login_request(first: str, last: str, password: str) -> bytes:
    """``login_to_simulator`` as a viewer sends it."""
    values = {
        "first": first, "last": last, "passwd": password_hash(password), "start": "last",
        "channel": "opensim-conformance", "version": "0.1", "platform": "Lnx",
        "platform_version": "0", "mac": "00:00:00:00:00:00", "id0": "00000000",
        "agree_to_tos": True, "read_critical": True, "viewer_digest": str(uuid.UUID(int=0)),
        "options": ["inventory-root", "inventory-skeleton", "inventory-lib-root",
                    "inventory-lib-owner", "inventory-skel-lib", "buddy-list",
                    "login-flags", "global-textures", "adult_compliant"],
    }
    return xmlrpc.client.dumps((values,), "login_to_simulator").encode("utf-8")


def split_name(avatar: str) -> tuple[str, str]:
    first, _, last = avatar.strip().partition(" ")
    return first, last.strip() or "Resident"


def log_in(login_uri: str, avatar: str, password: str, *, timeout: float,
           recorder: Recorder, wanted: tuple[str, ...] = WANTED_CAPABILITIES) -> Viewer:
    """Log in and ask the seed capability for ``wanted``; a refusal or an answer a
    viewer cannot use raises LoginFailed."""
    first, last = split_name(avatar)
    http = HttpClient(login_uri, timeout=timeout, recorder=recorder)
    try:
        try:
            exchange = http.request("POST", "", body=login_request(first, last, password),
                                    headers=XMLRPC_HEADERS, writes=False)
        finally:
            redact(recorder, password)
        reply = login_reply(exchange)
    finally:
        http.close()
    viewer = viewer_from_login(reply)
    if viewer.seed_capability:
        viewer.capabilities = ask_seed(viewer.seed_capability, wanted, timeout=timeout,
                                       recorder=recorder)
    return viewer


def redact(recorder: Recorder, password: str) -> None:
    """The login request as recorded: its password hash replaced."""
    secrets = (password_hash(password).encode("utf-8"), password.encode("utf-8"))
    for exchange in recorder.exchanges:
        for secret in secrets:
            if secret and secret in exchange.request_body:
                exchange.request_body = exchange.request_body.replace(
                    secret, REDACTED.encode("utf-8"))


def login_reply(exchange: Exchange) -> dict[str, Any]:
    if exchange.status != 200:
        raise LoginFailed(f"login_to_simulator answered HTTP {exchange.status}")
    try:
        refuse_dtd(exchange.body)  # xmlrpc.client expands what a DTD declares
    except WireError as exc:
        raise LoginFailed(f"login_to_simulator answered no XML-RPC response: {exc}") from None
    try:
        params, _ = xmlrpc.client.loads(exchange.body)
    except xmlrpc.client.Fault as fault:
        raise LoginFailed(f"login_to_simulator answered fault {fault.faultCode}: "
                          f"{fault.faultString}") from None
    except Exception as exc:  # ExpatError and others
        raise LoginFailed(f"login_to_simulator answered no XML-RPC response: {exc}") from None
    reply = params[0] if params and isinstance(params[0], dict) else None
    if reply is None:
        raise LoginFailed("login_to_simulator answered no struct")
    if str(reply.get("login", "")).lower() != "true":
        raise LoginFailed(f"the login was refused: {reply.get('reason', '?')}: "
                          f"{reply.get('message', '')}")
    return reply


def first_value(reply: dict[str, Any], key: str, field_name: str) -> str | None:
    """``reply[key][0][field_name]`` (the login reply's one-element arrays of maps)."""
    entries = reply.get(key)
    if isinstance(entries, list) and entries and isinstance(entries[0], dict):
        value = entries[0].get(field_name)
        return str(value) if value is not None else None
    return None


def viewer_from_login(reply: dict[str, Any]) -> Viewer:
    agent_id = str(reply.get("agent_id", ""))
    root = first_value(reply, "inventory-root", "folder_id")
    if not agent_id or root is None:
        raise LoginFailed("the login reply lacks agent_id or inventory-root")
    simulator = None
    if reply.get("sim_ip") and reply.get("sim_port"):
        simulator = (str(reply["sim_ip"]), int(reply["sim_port"]))
    skeleton = reply.get("inventory-skeleton")
    skeleton = skeleton if isinstance(skeleton, list) else []
    return Viewer(
        agent_id=agent_id, inventory_root=root,
        library_owner=first_value(reply, "inventory-lib-owner", "agent_id"),
        library_root=first_value(reply, "inventory-lib-root", "folder_id"),
        session_id=str(reply["session_id"]) if reply.get("session_id") else None,
        seed_capability=str(reply["seed_capability"]) if reply.get("seed_capability") else None,
        simulator=simulator, circuit_code=int(reply.get("circuit_code", 0) or 0),
        skeleton=[entry for entry in skeleton if isinstance(entry, dict)],
    )


def ask_seed(seed: str, wanted: tuple[str, ...], *, timeout: float,
             recorder: Recorder) -> dict[str, str]:
    """POST the names to the seed capability: the granted name -> URL."""
    http = HttpClient(seed, timeout=timeout, recorder=recorder)
    try:
        exchange = http.request("POST", "", body=llsd.format_xml(list(wanted)),
                                headers=LLSD_HEADERS, writes=False)
    finally:
        http.close()
    if exchange.status != 200:
        raise LoginFailed(f"the seed capability answered HTTP {exchange.status}")
    try:
        granted = llsd.parse(exchange.body, exchange.header("Content-Type")).value
    except ValueError as exc:
        raise LoginFailed(f"the seed capability answered no LLSD: {exc}") from None
    if not isinstance(granted, dict):
        raise LoginFailed("the seed capability answered no LLSD map")
    return {str(name): str(url) for name, url in granted.items() if name in wanted}
