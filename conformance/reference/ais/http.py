"""The reference AIS3 over HTTP: routes, the request's parameters (``depth``,
``simulate``, ``tid``), the dispatch to a handler, media types, entity tags and the
If-Match / If-None-Match preconditions, transactions, and the answer's encoding."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference.ais.base import (
    CATEGORY_PARTS,
    INVENTORY_CAP,
    LIBRARY_CAP,
    AisError,
    Answer,
    Call,
    ExistingCategory,
    Handler,
)
from conformance.reference.ais.handlers import AisHandlers
from conformance.wire import ais as wire
from conformance.wire.ids import ZERO_UUID, canonical_uuid


class AisService(AisHandlers):
    """The routes and rules of AIS3: the HTTP side here, the resources' handlers in
    :class:`AisHandlers`, the tree operations in :class:`AisTree`, the documents in
    :class:`AisRendering`, the lookups in :class:`AisBase`. A fault subclasses this and
    overrides one method (a seam) to break exactly one rule."""

    #: Methods the wiki marks COMPLETE or PARTIAL, and the NONE ones this server has.
    category_methods: ClassVar[tuple[str, ...]] = ("GET", "POST", "PUT", "PATCH", "COPY",
                                                   "MOVE", "DELETE")
    item_methods: ClassVar[tuple[str, ...]] = ("GET", "PATCH", "COPY", "MOVE", "DELETE")

    # ---------------------------------------------------------------- routes

    def routes(self) -> list[Route]:
        methods = ["GET", "POST", "PUT", "PATCH", "COPY", "MOVE", "DELETE"]
        routes = []
        for cap in (INVENTORY_CAP, LIBRARY_CAP):
            prefix = f"/caps/{{agent_id}}/{cap}"
            routes += [
                Route(prefix + "/category/{category}", self.endpoint, methods=methods),
                Route(prefix + "/category/{category}/{part}", self.endpoint, methods=methods),
                Route(prefix + "/item/{item}", self.endpoint, methods=methods),
                Route(prefix + "/{rest:path}", self.endpoint, methods=methods),
            ]
        return routes

    @staticmethod
    def capabilities() -> dict[str, str]:
        """The capability names this service answers, each a path template."""
        return {INVENTORY_CAP: f"/caps/{{agent_id}}/{INVENTORY_CAP}",
                LIBRARY_CAP: f"/caps/{{agent_id}}/{LIBRARY_CAP}"}

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        try:
            call = self.call_of(request, body)
            answer = self.dispatch(call, request.path_params)
        except AisError as error:
            answer = self.error_answer(error)
        if self.prefers_json(request.headers.get("accept", "")):
            return self.render_json(answer)
        return self.render(answer)

    def prefers_json(self, accept: str) -> bool:
        """Accept names application/json before application/llsd+xml (the page: the
        preferred response type, "Generally application/llsd+xml or application/json")."""
        types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
        return wire.JSON_TYPE in types and (
            wire.CONTENT_TYPE not in types
            or types.index(wire.JSON_TYPE) < types.index(wire.CONTENT_TYPE))

    def render_json(self, answer: Answer) -> Response:
        headers = {**self.global_headers(), **answer.headers}
        if answer.status == 304:
            return Response(b"", status_code=304, headers=headers)
        return Response(wire.encode_json(answer.document), status_code=answer.status,
                        headers=headers, media_type=wire.JSON_TYPE)

    # ------------------------------------------------------------ parameters

    def call_of(self, request: Request, body: bytes) -> Call:
        agent = canonical_uuid(request.path_params["agent_id"]) or ZERO_UUID
        cap = LIBRARY_CAP if f"/{LIBRARY_CAP}" in request.url.path else INVENTORY_CAP
        library = cap == LIBRARY_CAP
        path = request.url.path
        base = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}" \
               f"{path[:path.index(cap) + len(cap)]}"
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        call = Call(owner=self.settings.library_owner if library else agent, agent=agent,
                    cap=cap,
                    base=base, method=request.method.upper(),
                    query=self.parse_query(request.url.query),
                    headers={k.lower(): v for k, v in request.headers.items()}, body=body,
                    content_type=content_type, library=library)
        self.read_parameters(call)
        return call

    def parse_query(self, query: str) -> dict[str, str]:
        """``a=1&b=2``; a comma before ``name=`` also separates parameters (the viewer's
        library COPY writes ``?tid=…,depth=0``), while ``children=a,b`` stays one list."""
        result: dict[str, str] = {}
        for term in re.split(r"&|,(?=[A-Za-z_]+=)", query):
            if not term:
                continue
            key, _, value = term.partition("=")
            result.setdefault(unquote(key), unquote(value))
        return result

    def read_parameters(self, call: Call) -> None:
        """depth, simulate and tid, each checked against the wiki's validation pattern."""
        depth = call.query.get("depth")
        if depth is not None:
            if not self.valid_depth(depth):
                raise AisError(400, f"depth {depth!r} does not match ^(\\*|[0-9]+)?$")
            call.depth = None if depth in ("*", "") else int(depth)
            if depth == "":
                call.depth = self.default_depth()
        else:
            call.depth = self.default_depth()
        simulate = call.query.get("simulate")
        if simulate is not None:
            if not wire.SIMULATE_PATTERN.match(simulate):
                raise AisError(400, f"simulate {simulate!r} does not match "
                                    "^(0|1|true|false)?$")
            call.simulate = self.simulates(simulate)
        call.tid = call.query.get("tid") or None

    def valid_depth(self, depth: str) -> bool:
        return bool(wire.DEPTH_PATTERN.match(depth))

    def default_depth(self) -> int:
        return 0

    def simulates(self, value: str) -> bool:
        return value in ("1", "true")

    # -------------------------------------------------------------- dispatch

    def dispatch(self, call: Call, params: dict[str, str]) -> Answer:
        if self.store.folder(self.root_id(call.owner) or ZERO_UUID) is None:
            raise AisError(404, "no inventory for this agent")
        call.path_part = params.get("part", "")
        if "item" in params:
            resource, target = "item", params["item"]
            allowed = self.item_methods
        elif "category" in params:
            resource = params.get("part", "category")
            target = params["category"]
            if resource not in ("category", *CATEGORY_PARTS):
                raise AisError(404, f"no resource /category/{{category}}/{resource}")
            allowed = self.category_methods if resource == "category" else \
                self.part_methods(resource)
        elif params.get("rest") == "orphans" and not call.library:
            if call.method != "GET":
                raise AisError(405, f"{call.method} is not implemented on /orphans")
            return self.conditional_get(call, "orphans", "", self.get_orphans)
        else:
            raise AisError(404, f"no AIS3 resource at /{params.get('rest', '')}")
        if call.method not in allowed:
            raise AisError(405, f"{call.method} is not implemented on this resource")
        if call.library and call.method not in ("GET", "COPY"):
            raise AisError(403, "the library is read-only")
        self.check_media_type(call)
        handler = self.handler(resource, call.method)
        if call.method in ("GET",):
            return self.conditional_get(call, resource, target, handler)
        return self.write(call, resource, target, handler)

    def part_methods(self, part: str) -> tuple[str, ...]:
        """Every method on every part: those the wiki marks NONE too (PUT, COPY and MOVE
        of the children, items and categories; COPY and MOVE of the links)."""
        return ("GET", "PUT", "COPY", "MOVE", "DELETE")

    def handler(self, resource: str, method: str) -> Handler:
        handlers: dict[tuple[str, str], Handler] = {
            ("category", "GET"): self.get_category,
            ("category", "POST"): self.post_category,
            ("category", "PUT"): self.put_category,
            ("category", "PATCH"): self.patch_category,
            ("category", "COPY"): self.copy_category,
            ("category", "MOVE"): self.move_category,
            ("category", "DELETE"): self.delete_category,
            ("children", "GET"): self.get_children,
            **{(part, "DELETE"): self.delete_category for part in CATEGORY_PARTS},
            ("links", "GET"): self.get_links,
            ("links", "PUT"): self.put_links,
            ("items", "GET"): self.get_items,
            ("categories", "GET"): self.get_categories,
            **{(part, "COPY"): self.copy_part for part in CATEGORY_PARTS},
            **{(part, "MOVE"): self.move_part for part in CATEGORY_PARTS},
            ("children", "PUT"): self.put_part,
            ("items", "PUT"): self.put_part,
            ("categories", "PUT"): self.put_part,
            ("item", "GET"): self.get_item,
            ("item", "PATCH"): self.patch_item,
            ("item", "COPY"): self.copy_item,
            ("item", "MOVE"): self.move_item,
            ("item", "DELETE"): self.delete_item,
        }
        return handlers[(resource, method)]

    def check_media_type(self, call: Call) -> None:
        if call.body.strip() and call.content_type not in self.media_types():
            raise AisError(415, f"unsupported media type {call.content_type or '(none)'}")

    def media_types(self) -> tuple[str, ...]:
        return (wire.CONTENT_TYPE, "application/xml", "text/xml", "application/json")

    # --------------------------------------------------------- preconditions

    def conditional_get(self, call: Call, resource: str, target: str,
                        handler: Handler) -> Answer:
        answer = handler(call, target)
        tag = self.etag(answer.document)
        answer.headers["ETag"] = tag
        self.check_if_match(call, tag)
        if self.none_match(call, tag):
            return Answer(304, None, {"ETag": tag})
        return answer

    def current_tag(self, call: Call, resource: str, target: str) -> str | None:
        """The entity tag a GET of the resource would carry now (None when it has none)."""
        try:
            getter = self.handler(resource, "GET")
            return self.etag(getter(replace(call, method="GET"), target).document)
        except AisError:
            return None

    def etag(self, document: Any) -> str:
        """The entity tag of a representation: it changes exactly when the
        representation does."""
        text = json.dumps(wire.plain(document), sort_keys=True, default=str)
        return '"' + hashlib.sha1(text.encode("utf-8")).hexdigest()[:20] + '"'

    def check_if_match(self, call: Call, tag: str | None) -> None:
        tags = wire.etag_list(call.headers.get("if-match"))
        if tags and "*" not in tags and (tag is None or tag not in tags):
            raise AisError(412, "If-Match: no supplied entity tag matches the resource",
                           etags=tags, etag=tag or "", condition="If-Match")

    def none_match(self, call: Call, tag: str | None) -> bool:
        tags = wire.etag_list(call.headers.get("if-none-match"))
        return bool(tags) and tag is not None and ("*" in tags or tag in tags)

    def check_preconditions(self, call: Call, resource: str, target: str) -> None:
        if not call.headers.get("if-match") and not call.headers.get("if-none-match"):
            return
        tag = self.current_tag(call, resource, target)
        self.check_if_match(call, tag)
        if self.none_match(call, tag):
            raise AisError(412, "If-None-Match: a supplied entity tag matches the resource",
                           etags=wire.etag_list(call.headers.get("if-none-match")),
                           etag=tag or "", condition="If-None-Match")

    # ---------------------------------------------------------------- writes

    def write(self, call: Call, resource: str, target: str, handler: Handler) -> Answer:
        """A method that writes: preconditions, the transaction id, and simulate (the
        change is made and rolled back, so the answer describes it)."""
        self.check_preconditions(call, resource, target)
        if call.tid is not None and self.seen_transaction(call.owner, call.tid):
            raise AisError(409, "duplicate transaction", transaction_id=call.tid)
        self.db.execute("SAVEPOINT ais_write")
        try:
            answer = handler(call, target)
        except BaseException:
            self.db.execute("ROLLBACK TO ais_write")
            self.db.execute("RELEASE ais_write")
            raise
        self.tag_written(call, resource, target, answer)
        if call.simulate:
            self.discard(call)
        else:
            if call.tid is not None:
                self.remember_transaction(call.owner, call.tid)
            self.db.execute("RELEASE ais_write")
        return answer

    def tag_written(self, call: Call, resource: str, target: str, answer: Answer) -> None:
        """The wiki lists an ETag among the response headers of the success of PATCH,
        COPY, MOVE and PUT on a category and its parts: the tag of the resource now."""
        if resource == "item" or call.method not in ("PATCH", "COPY", "MOVE", "PUT") or \
                answer.status not in (200, 201) or "ETag" in answer.headers:
            return
        tag = self.current_tag(call, resource, target)
        if tag is not None:
            answer.headers["ETag"] = tag

    def discard(self, call: Call) -> None:
        """simulate: nothing the handler wrote stays."""
        self.db.execute("ROLLBACK TO ais_write")
        self.db.execute("RELEASE ais_write")

    def seen_transaction(self, owner: str, tid: str) -> bool:
        row = self.db.execute("SELECT 1 FROM ais_transactions WHERE agent = ? AND tid = ?",
                              (owner, tid)).fetchone()
        return row is not None

    def remember_transaction(self, owner: str, tid: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO ais_transactions VALUES (?, ?)", (owner, tid))

    # --------------------------------------------------------------- answers

    def error_answer(self, error: AisError) -> Answer:
        if isinstance(error, ExistingCategory):
            return Answer(409, error.document)
        document = {"error_code": error.status, "error_description": error.description,
                    **error.context}
        headers = {}
        if error.status == 412 and error.context.get("etag"):
            headers["ETag"] = str(error.context["etag"])  # the current tag, as the wiki lists
        return Answer(error.status, document, headers)

    def render(self, answer: Answer) -> Response:
        headers = {**self.global_headers(), **answer.headers}
        if answer.status == 304:
            return Response(b"", status_code=304, headers=headers)
        body = wire.encode(wire.request_value(answer.document))
        return Response(body, status_code=answer.status, headers=headers,
                        media_type=wire.CONTENT_TYPE)

    def global_headers(self) -> dict[str, str]:
        """The wiki's global response headers that are not optional: Vary."""
        return {"Vary": "Accept, Accept-Encoding"}
