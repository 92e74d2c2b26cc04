"""Tokens Receiver, OCPI 2.1.1 (mod_tokens 2.1.1, CPO interface):
``{tokens}/{country_code}/{party_id}/{token_uid}``.

PUT creates or replaces, PATCH changes some fields, GET returns what we hold, in 2.1.1 form. The
rules are 2.2.1's (``ocpi.v2_2_1.tokens.server``): the owner in the URL must be a party the caller
acts for (``services.ownership``), the uid in the body the URL's, and a partner sees only the
tokens it pushed. 2.1.1 has no ``type`` in the URL: GET and PATCH find the token by uid (RFID
first, then OTHER), or by ``?type=`` when given (Gireve's 2.1.1 GET, gireve.md §8.6).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from ocpi_cpo.domain.authorization import StoredToken
from ocpi_cpo.domain.json_path import json_path
from ocpi_cpo.ocpi.auth import Caller, FunctionalCaller
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.errors import InvalidParameters, NotFound
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.v2_1_1.tokens.mapping import to_stored, wire_form
from ocpi_cpo.ocpi.v2_1_1.tokens.schemas import Token, TokenPatch, TokenType
from ocpi_cpo.ocpi.v2_2_1.tokens.mapping import key_of
from ocpi_cpo.ocpi.v2_2_1.tokens.server import CountryCode, PartyId, Uid, ours
from ocpi_cpo.services import sender_reads
from ocpi_cpo.storage.protocols import UnitOfWork

TypeQuery = Annotated[TokenType | None, Query(alias="type")]


def _same_uid(body: Token | TokenPatch, uid: str) -> None:
    if body.uid is not None and body.uid.upper() != uid.upper():
        raise InvalidParameters(f"uid {body.uid!r} differs from the URL ({uid!r})")


async def _held(
    uow: UnitOfWork,
    request: Request,
    caller: Caller,
    where: tuple[str, str, str],
    token_type: TokenType | None,
    *,
    for_update: bool = False,
) -> StoredToken | None:
    """The caller's token at ``where`` (country_code, party_id, uid), None when it is not its;
    ``for_update``: held to the commit, to merge a change into it."""
    country_code, party_id, uid = where
    if not ours(request, caller, country_code, party_id):
        return None
    types = [token_type] if token_type is not None else [TokenType.RFID, TokenType.OTHER]
    for kind in types:
        key = key_of(country_code, party_id, uid, kind)
        stored = await sender_reads.emsp_token(uow, key, for_update=for_update)
        if stored is not None and stored.partner_id == caller.partner.id:
            return stored
    return None


def router() -> APIRouter:
    api = APIRouter(tags=["tokens 2.1.1"])

    @api.get("/{country_code}/{party_id}/{token_uid}", summary="A token we hold (OCPI 2.1.1)")
    async def get_token(
        request: Request,
        caller: FunctionalCaller,
        context: Context,
        country_code: CountryCode,
        party_id: PartyId,
        token_uid: Uid,
        token_type: TypeQuery = None,
    ) -> OcpiResponse:
        where = (country_code, party_id, token_uid)
        async with context.storage.read() as uow:
            stored = await _held(uow, request, caller, where, token_type)
        if stored is None:
            raise NotFound(f"no token {'/'.join(where)}")
        return ocpi_response(context.clock.now(), wire_form(orjson.loads(stored.document)))

    @api.put("/{country_code}/{party_id}/{token_uid}", summary="Create or replace a token (2.1.1)")
    async def put_token(
        request: Request,
        body: Token,
        caller: FunctionalCaller,
        context: Context,
        country_code: CountryCode,
        party_id: PartyId,
        token_uid: Uid,
    ) -> OcpiResponse:
        _same_uid(body, token_uid)
        _acts_for(request, caller, country_code, party_id)
        stored = to_stored(body, country_code, party_id, caller.partner.id)
        async with context.storage.transaction() as uow:
            created = await sender_reads.put_emsp_token(uow, stored)
        return ocpi_response(context.clock.now(), http_status=201 if created else 200)

    @api.patch(
        "/{country_code}/{party_id}/{token_uid}", summary="Change some fields of a token (2.1.1)"
    )
    async def patch_token(
        request: Request,
        body: TokenPatch,
        caller: FunctionalCaller,
        context: Context,
        country_code: CountryCode,
        party_id: PartyId,
        token_uid: Uid,
    ) -> OcpiResponse:
        _same_uid(body, token_uid)
        where = (country_code, party_id, token_uid)
        async with context.storage.transaction() as uow:
            stored = await _held(uow, request, caller, where, body.type, for_update=True)
            if stored is None:
                raise NotFound(f"no token {'/'.join(where)}: PUT it first")
            await sender_reads.put_emsp_token(
                uow, _patched(context, stored, body, country_code, party_id, caller)
            )
        return ocpi_response(context.clock.now())

    return api


def _acts_for(request: Request, caller: Caller, country_code: str, party_id: str) -> None:
    if not ours(request, caller, country_code, party_id):
        raise InvalidParameters(
            f"country_code/party_id: {country_code}/{party_id} is not a party you act for"
        )


def _patched(
    context: OcpiContext,
    stored: StoredToken,
    body: TokenPatch,
    country_code: str,
    party_id: str,
    caller: Caller,
) -> StoredToken:
    merged: dict[str, Any] = wire_form(orjson.loads(stored.document))
    merged.update(body.model_dump(mode="json", exclude_unset=True))
    if body.last_updated is None:
        # 2.1.1 does not require it in a PATCH (its own example has none): the change is now.
        merged["last_updated"] = context.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        token = Token.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidParameters(
            f"the patched token is invalid: {json_path(first['loc'])}: {first['msg']}"
        ) from None
    return to_stored(token, country_code, party_id, caller.partner.id)
