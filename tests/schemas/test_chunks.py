"""The chunk TypedDicts say what the message dataclasses put on the wire: same keys, and
required only where `to_wire()` always writes the key."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from letta_code.schemas import chunks, messages
from letta_code.server.sse import ping

# Each chunk TypedDict and the dataclass that builds it.
CHUNK_CLASSES: dict[type, type] = {
    chunks.SystemChunk: messages.SystemMessage,
    chunks.UserChunk: messages.UserMessage,
    chunks.ReasoningChunk: messages.ReasoningMessage,
    chunks.AssistantChunk: messages.AssistantMessage,
    chunks.ToolCallChunk: messages.ToolCallMessage,
    chunks.ApprovalRequestChunk: messages.ApprovalRequestMessage,
    chunks.ToolReturnChunk: messages.ToolReturnMessage,
    chunks.ApprovalResponseChunk: messages.ApprovalResponseMessage,
    chunks.CompactionEventChunk: messages.EventMessage,
    chunks.SupersededEventChunk: messages.EventMessage,
    chunks.StopReasonChunk: messages.StopReason,
    chunks.UsageChunk: messages.UsageStatistics,
    chunks.ErrorChunk: messages.ErrorMessage,
}
# Required although the dataclass has a default for it: it tells the chunk kinds apart.
DISCRIMINATORS = {"message_type", "event_type", "event_data"}
# Never required: the fields every Letta message has around its payload.
ENVELOPE = {f.name for f in dataclasses.fields(messages._LettaMessage)}


def no_default(field: dataclasses.Field[object]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def literal(hints: dict[str, object], key: str) -> tuple[object, ...]:
    return typing.get_args(hints[key])


@pytest.mark.parametrize("typed, model", CHUNK_CLASSES.items(), ids=lambda c: c.__name__)
def test_a_chunk_typeddict_has_the_fields_of_its_dataclass(typed: type, model: type) -> None:
    fields = {f.name: f for f in dataclasses.fields(model)}
    keys = typed.__required_keys__ | typed.__optional_keys__  # type: ignore[attr-defined]
    assert keys == set(fields)
    own = {name for name, field in fields.items() if no_default(field)} - ENVELOPE
    assert typed.__required_keys__ == own | (DISCRIMINATORS & set(fields))  # type: ignore[attr-defined]
    hints = typing.get_type_hints(typed)
    assert literal(hints, "message_type") == (fields["message_type"].default,)
    if "event_type" in fields:  # one TypedDict per event type
        (event_type,) = literal(hints, "event_type")
        assert event_type in literal(typing.get_type_hints(model), "event_type")


def test_the_envelope_is_the_base_message_and_optional() -> None:
    assert chunks._Envelope.__optional_keys__ == ENVELOPE
    assert chunks._Envelope.__required_keys__ == frozenset()


def test_every_streamed_kind_has_its_typeddict() -> None:
    assert set(typing.get_args(chunks.StreamChunk)) == set(CHUNK_CLASSES)
    views = {CHUNK_CLASSES[t] for t in typing.get_args(chunks.MessageView)}
    assert views == set(typing.get_args(messages.LettaMessage))


def test_each_event_type_has_its_typeddict() -> None:
    event_types = typing.get_args(typing.get_type_hints(messages.EventMessage)["event_type"])
    typed = [t for t, model in CHUNK_CLASSES.items() if model is messages.EventMessage]
    assert {literal(typing.get_type_hints(t), "event_type")[0] for t in typed} == set(event_types)
    assert len(typed) == len(event_types)


def test_the_tool_call_typeddict_has_the_fields_of_tool_call() -> None:
    fields = {f.name for f in dataclasses.fields(messages.ToolCall)}
    assert chunks.ToolCallData.__required_keys__ == fields
    assert chunks.ToolCallData.__optional_keys__ == frozenset()


def test_the_wire_of_each_dataclass_fits_its_typeddict() -> None:
    call = messages.ToolCall(name="Bash", arguments="{}", tool_call_id="c1")
    built = [
        messages.AssistantMessage(id="m1", content="hi"),
        messages.ApprovalRequestMessage(id="m2", tool_call=call),
        messages.ToolReturnMessage(id="m3", tool_return="ok", status="success", tool_call_id="c1"),
        messages.EventMessage(id="m4", event_data={"trigger": "post_step_context_check"}),
        messages.StopReason(stop_reason="end_turn"),
        messages.UsageStatistics(),
        messages.ErrorMessage(error_type="internal", message="boom"),
    ]
    typed_for = {model: typed for typed, model in CHUNK_CLASSES.items()}
    for message in built:
        wire = message.to_wire()
        typed = typed_for[type(message)]
        assert typed.__required_keys__ <= set(wire) <= typed.__required_keys__ | typed.__optional_keys__  # type: ignore[attr-defined]


def test_the_ping_typeddict_has_the_keys_a_server_ping_has() -> None:
    keys = chunks.PingChunk.__required_keys__ | chunks.PingChunk.__optional_keys__
    assert set(ping("run-1")) == keys
    assert set(ping(None)) == chunks.PingChunk.__required_keys__ | {"id", "date"}
