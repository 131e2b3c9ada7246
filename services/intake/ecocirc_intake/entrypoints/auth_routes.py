"""POST /v1/auth/sign-in-link: ask for a sign-in link by email; the answer never tells who is known."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecocirc_intake.entrypoints.api import StoreDep
from ecocirc_intake.service_layer import sign_in

router = APIRouter(prefix="/v1")
ACCEPTED = "Si cette adresse est celle d'un compte, un lien de connexion vient d'y être envoyé."


class SignInLinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(max_length=254)] = Field(examples=["contact@scierie-saves.fr"])


class SignInLinkAccepted(BaseModel):
    detail: str


@router.post(
    "/auth/sign-in-link",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SignInLinkAccepted,
    tags=["access"],
    summary="Email a single-use sign-in link to the web pages (always 202: known addresses get one)",
)
async def request_sign_in_link(
    body: SignInLinkRequest, request: Request, store: StoreDep
) -> SignInLinkAccepted:
    """The link is valid for ECOCIRC_SIGN_IN_LINK_MINUTES and opens a session once. Addresses are
    rate-limited (per address and per client) silently: the answer is the same in every case."""
    client = request.client.host if request.client else "unknown"
    await sign_in.request_link(
        store, body.email, client, request.app.state.sign_in_limits, request.app.state.sign_in_policy
    )
    return SignInLinkAccepted(detail=ACCEPTED)
