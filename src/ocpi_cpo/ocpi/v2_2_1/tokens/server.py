"""Tokens Receiver (mod_tokens, "Receiver interface"): eMSPs (through the hub) push their tokens.

PUT creates or replaces, PATCH changes some fields (``last_updated`` required), GET returns what
we hold. The owner in the URL must equal the body's and be a party the caller acts for (an eMSP:
its own; a hub: the one its OCPI-from-* names, or any: services.ownership); a partner sees only
the tokens it pushed, of the parties it acts for.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError

from ocpi_cpo.ocpi.auth import Caller, FunctionalCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.errors import InvalidParameters, NotFound
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.routing import origin_party, response_routing
from ocpi_cpo.ocpi.v2_2_1.tokens.mapping import key_of, to_stored
from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import Token, TokenPatch, TokenType
from ocpi_cpo.services import sender_reads
from ocpi_cpo.services.ownership import acting_for, may_act_on

CountryCode = Annotated[str, Path(min_length=2, max_length=2)]
PartyId = Annotated[str, Path(min_length=3, max_length=3)]
Uid = Annotated[str, Path(min_length=1, max_length=36)]
TypeQuery = Annotated[TokenType, Query(alias="type")]


def _same_owner(
    body: Token | TokenPatch, cc: str, pid: str, uid: str, token_type: TokenType
) -> None:
    for field, expected in (("country_code", cc), ("party_id", pid), ("uid", uid)):
        value = getattr(body, field, None)
        if value is not None and str(value).upper() != expected.upper():
            raise InvalidParameters(f"{field} {value!r} differs from the URL ({expected!r})")
    body_type = getattr(body, "type", None)
    if body_type is not None and body_type != token_type:
        raise InvalidParameters(f"type {body_type} differs from the URL's type={token_type}")


def ours(request: Request, caller: Caller, country_code: str, party_id: str) -> bool:
    """Whether the caller acts for the token's owner (services.ownership)."""
    return may_act_on(acting_for(caller.partner, origin_party(request)), (country_code, party_id))


def router() -> APIRouter:
    api = APIRouter(tags=["tokens"])

    @api.get("/{country_code}/{party_id}/{uid}", summary="A token we hold")
    async def get_token(
        request: Request,
        caller: FunctionalCaller,
        context: Context,
        country_code: CountryCode,
        party_id: PartyId,
        uid: Uid,
        token_type: TypeQuery = TokenType.RFID,
    ) -> OcpiResponse:
        key = key_of(country_code, party_id, uid, token_type.value)
        async with context.storage.read() as uow:
            stored = await sender_reads.emsp_token(uow, key)
        mine = stored is not None and stored.partner_id == caller.partner.id
        if stored is None or not mine or not ours(request, caller, country_code, party_id):
            raise NotFound(f"no token {key}")
        return ocpi_response(
            context.clock.now(), raw_data=stored.document, headers=response_routing(request)
        )

    @api.put("/{country_code}/{party_id}/{uid}", summary="Create or replace a token")
    async def put_token(
        request: Request,
        body: Token,
        caller: FunctionalCaller,
        context: Context,
        country_code: CountryCode,
        party_id: PartyId,
        uid: Uid,
        token_type: TypeQuery = TokenType.RFID,
    ) -> OcpiResponse:
        _same_owner(body, country_code, party_id, uid, token_type)
        if not ours(request, caller, country_code, party_id):
            raise InvalidParameters(
                f"country_code/party_id: {country_code}/{party_id} is not a party you act for"
            )
        async with context.storage.transaction() as uow:
            created = await sender_reads.put_emsp_token(uow, to_stored(body, caller.partner.id))
        return ocpi_response(
            context.clock.now(),
            http_status=201 if created else 200,
            headers=response_routing(request),
        )

    @api.patch("/{country_code}/{party_id}/{uid}", summary="Change some fields of a token")
    async def patch_token(
        request: Request,
        body: TokenPatch,
        caller: FunctionalCaller,
        context: Context,
        country_code: CountryCode,
        party_id: PartyId,
        uid: Uid,
        token_type: TypeQuery = TokenType.RFID,
    ) -> OcpiResponse:
        _same_owner(body, country_code, party_id, uid, token_type)
        key = key_of(country_code, party_id, uid, token_type.value)
        async with context.storage.transaction() as uow:
            # held to the commit: a PUT committed meanwhile (say valid: false) is not undone
            stored = await sender_reads.emsp_token(uow, key, for_update=True)
            mine = stored is not None and stored.partner_id == caller.partner.id
            if stored is None or not mine or not ours(request, caller, country_code, party_id):
                raise NotFound(f"no token {key}: PUT it first")
            merged: dict[str, Any] = orjson.loads(stored.document)
            merged.update(body.model_dump(mode="json", exclude_unset=True))
            try:
                token = Token.model_validate(merged)
            except ValidationError as exc:
                raise InvalidParameters(f"the patched token is invalid: {exc}") from None
            await sender_reads.put_emsp_token(uow, to_stored(token, caller.partner.id))
        return ocpi_response(context.clock.now(), headers=response_routing(request))

    return api
