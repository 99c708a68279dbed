"""Field types and request parts shared by the customers service's messages."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.common import AttributeName, AttributeValue, FreeText, SingleLine

EmailFormat = Literal["text", "html"]
CustomerStatus = Literal["enabled", "locked"]
LogonId = Annotated[FreeText, StringConstraints(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._@+-]+$")]
AgentId = Annotated[FreeText, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@:-]+$")]
SearchTerm = Annotated[SingleLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Code = Annotated[FreeText, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
Attributes = Annotated[dict[AttributeName, AttributeValue], Field(max_length=50)]


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel):
    """Which page of a list: 1-based page number and its size."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: int = Field(default=1, ge=1, le=10_000)
    size: int = Field(default=20, ge=1, le=100)


ClearableField = Literal["phone", "mobile_phone", "email_format", "challenge_question", "account_id"]


LogonOutcome = Literal["ok", "wrong_password", "locked", "temporary_password_expired"]


ContactKind = Literal["note", "email"]


TicklerStatus = Literal["open", "closed"]
