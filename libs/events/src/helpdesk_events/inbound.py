"""The inbound message: what a channel adapter publishes to ``helpdesk.inbound`` or POSTs to intake.

``message_id`` is unique per adapter; a repeated id is a retry and is applied once. ``body`` may be HTML
(``body_is_html``), which intake sanitises. Email adapters may send the raw RFC 5322 message instead
(``raw_rfc822``, base64) and leave the parsed fields empty; intake parses it. See DESIGN §4.
"""

import base64
import binascii

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from helpdesk_events.types import Attachment, Channel, Payload


class Sender(Payload):
    """Whoever wrote the message, as the channel knows them (any of the fields may be missing)."""

    email: str | None = None
    phone: str | None = None
    handle: str | None = None
    """Chat/social user name or id."""
    name: str | None = None
    platform: str | None = None
    """For ``social``/``chat``: ``twitter``, ``facebook``, ``telegram``, ..."""


class InboundMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    message_id: str = Field(min_length=1, max_length=512)
    channel: Channel
    received_at: AwareDatetime
    sender: Sender = Sender()
    subject: str | None = None
    body: str = ""
    body_is_html: bool = False
    thread_ref: str | None = None
    """The channel's conversation id (chat session, WhatsApp conversation, email thread root)."""
    in_reply_to: str | None = None
    references: list[str] = []
    attachments: list[Attachment] = []
    locale: str | None = None
    metadata: dict[str, str] = {}
    raw_rfc822: str | None = None
    """The whole RFC 5322 message, base64 (standard alphabet; line breaks allowed)."""
    tenant: str = Field(default="default", min_length=1)
    recipient: str | None = None
    """Address, number or page the message was sent to (e.g. ``support@acme.example``); routes by mailbox."""
    cc: list[str] = []
    body_html: str | None = None
    """An HTML rendering of the message next to the plain-text ``body`` (intake sanitises it)."""
    headers: dict[str, str] = {}
    """Original transport headers that matter for loop protection (lower-case names: ``auto-submitted``,
    ``precedence``, ``list-id``, ``x-autoreply``, ...). Intake fills them itself when it parses ``raw_rfc822``."""

    @field_validator("raw_rfc822")
    @classmethod
    def _must_be_base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode("".join(value.split()), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError(f"not valid base64 ({exc})") from None
        return value

    def rfc822_bytes(self) -> bytes | None:
        """The decoded raw message, if the adapter sent one."""
        if self.raw_rfc822 is None:
            return None
        return base64.b64decode("".join(self.raw_rfc822.split()), validate=True)
