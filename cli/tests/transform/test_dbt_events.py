"""dbt's events built by protobuf's constructors, the same messages as dbt's parser builds
(transform/dbt_events.py)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import timedelta
from types import ModuleType
from typing import Any

import dbt.adapters.events.types as adapter_events
import dbt.events.types as core_events
import dbt_common.events.types as common_events
import pytest
from dbt.adapters.events.types import SQLQuery, SQLQueryStatus
from dbt_common.events import base_types, event_manager
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.types import Note
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.json_format import ParseDict
from google.protobuf.message import Message

from jump.data_platform.transform import dbt_events

# The values the samples give each kind of field: what dbt's events carry.
SCALARS: dict[int, Any] = {
    FieldDescriptor.TYPE_STRING: "marts__nps",
    FieldDescriptor.TYPE_BOOL: True,
    FieldDescriptor.TYPE_INT32: 7,
    FieldDescriptor.TYPE_INT64: 1_446_650,
    FieldDescriptor.TYPE_UINT32: 9,
    FieldDescriptor.TYPE_UINT64: 10,
    FieldDescriptor.TYPE_FLOAT: 1.5,
    FieldDescriptor.TYPE_DOUBLE: 0.125,
}
# JSON values where a field holds any (dbt's `meta`, a node's config).
JSON_OBJECT = {"owner": "finance", "rows": 3, "tags": ["daily", 2], "extra": {"empty": None}}


@pytest.fixture(autouse=True, scope="module")
def installed() -> Iterator[None]:
    dbt_events.install()
    yield


def sample(descriptor: Descriptor, depth: int = 0) -> dict[str, Any]:
    """Keyword arguments for a message of `descriptor`: a value for every field, nested
    messages and maps included, the way dbt's own call sites pass them (dictionaries)."""
    values: dict[str, Any] = {}
    for field in descriptor.fields:
        value = _value(field, depth)
        if value is None:
            continue
        values[field.name] = [value, value] if field.is_repeated and not _map(field) else value
    return values


def _map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _value(field: FieldDescriptor, depth: int) -> Any:
    if field.type != FieldDescriptor.TYPE_MESSAGE:
        return SCALARS.get(field.type, 0)
    kind = field.message_type.full_name
    if _map(field):
        entry = field.message_type.fields_by_name["value"]
        return {"key": _value(entry, depth + 1)}
    if kind == "google.protobuf.Struct":
        return JSON_OBJECT
    if kind == "google.protobuf.ListValue":
        return ["a", 1]
    if kind == "google.protobuf.Value":
        return "a"
    if kind == "google.protobuf.Timestamp":
        return "2026-12-07T08:00:00.123456Z"  # as dbt writes its times
    return sample(field.message_type, depth + 1) if depth < 4 else None


def event_classes(*modules: ModuleType) -> list[type[BaseEvent]]:
    return [
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseEvent)
        and cls.__module__ == module.__name__
        and hasattr(cls.PROTO_TYPES_MODULE, cls.__name__)
    ]


EVENTS = event_classes(common_events, adapter_events, core_events)


def parsed(cls: type[BaseEvent], arguments: dict[str, Any]) -> Message:
    """The message dbt's own parser builds from `arguments`."""
    message: Message = ParseDict(arguments, getattr(cls.PROTO_TYPES_MODULE, cls.__name__)())
    return message


def test_the_samples_cover_every_event_dbt_defines() -> None:
    assert len(EVENTS) > 250
    assert {SQLQuery, SQLQueryStatus, Note} <= set(EVENTS)


@pytest.mark.parametrize("cls", EVENTS, ids=lambda cls: cls.__name__)
def test_every_dbt_event_is_the_message_dbts_parser_builds(cls: type[BaseEvent]) -> None:
    arguments = sample(cls.PROTO_TYPES_MODULE.DESCRIPTOR.message_types_by_name[cls.__name__])
    expected = parsed(cls, dict(arguments))
    assert cls(**arguments).pb_msg == expected


@pytest.fixture
def without_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """dbt's parser fails the test if anything calls it."""

    def refused(*_: Any, **__: Any) -> None:
        raise AssertionError("built by dbt's parser")

    monkeypatch.setattr(base_types, "ParseDict", refused)


@pytest.mark.usefixtures("without_parser")
def test_dbts_parser_is_not_what_builds_them() -> None:
    event = SQLQuery(conn_name="model.marts__nps", sql="select 1", node_info={"node_name": "x"})
    assert event_manager.msg_from_base_event(event).data.sql == "select 1"


def test_values_the_constructor_refuses_are_parsed_as_dbt_parses_them() -> None:
    # A number as text, and a time as text: the parser's JSON forms.
    status = SQLQueryStatus(status="OK", elapsed="1.5")  # type: ignore[arg-type]
    assert status.pb_msg.elapsed == 1.5
    assert status.pb_msg == parsed(SQLQueryStatus, {"status": "OK", "elapsed": "1.5"})
    finished = core_events.NodeFinished(
        node_info={"node_name": "marts__nps"},
        run_result={"status": "success", "timing_info": [{"started_at": "2026-12-07T08:00:00Z"}]},
    )
    assert finished.pb_msg.run_result.timing_info[0].started_at.seconds > 0


def test_a_value_neither_accepts_fails_as_dbt_fails() -> None:
    # Under pytest dbt raises on an event it cannot build (elsewhere it warns).
    with pytest.raises(Exception, match=r"\[SQLQuery\]: Unable to parse logging event"):
        SQLQuery(conn_name=12, sql="select 1")  # type: ignore[arg-type]


@pytest.mark.usefixtures("without_parser")
def test_a_message_is_text_even_when_given_an_object() -> None:
    class Reason:
        def __str__(self) -> str:
            return "the marts are stale"

    assert Note(msg=Reason()).pb_msg.msg == "the marts are stale"  # type: ignore[arg-type]


@pytest.mark.parametrize("level", [None, EventLevel.WARN])
def test_the_wrapper_a_logger_receives_is_the_one_dbt_builds(
    level: EventLevel | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What `DBT_ENV_CUSTOM_ENV_*` variables add to every event.
    monkeypatch.setattr(base_types, "get_global_metadata_vars", lambda: {"run": "hourly"})
    event = SQLQuery(conn_name="model.marts__nps", sql="select 1", node_info={"node_name": "x"})
    built = event_manager.msg_from_base_event(event, level=level)
    expected = base_types.msg_from_base_event(event, level=level)  # dbt's own, untouched
    # Its time: now, to the microsecond, as dbt's own.
    assert abs(built.info.ts.ToDatetime() - expected.info.ts.ToDatetime()) < timedelta(seconds=1)
    assert built.info.ts.nanos % 1000 == 0
    expected.info.ts.CopyFrom(built.info.ts)
    assert built == expected
    assert built.info.level == (level or EventLevel.DEBUG).value
    assert built.info.name == "SQLQuery"
    assert dict(built.info.extra) == {"run": "hourly"}


def test_fired_events_reach_dbts_callbacks_whole() -> None:
    received: list[Any] = []
    manager = event_manager.EventManager()
    manager.add_callback(received.append)
    manager.fire_event(SQLQueryStatus(status="OK", elapsed=0.25))
    (message,) = received
    assert (message.info.name, message.info.code, message.data.elapsed) == (
        "SQLQueryStatus",
        SQLQueryStatus(status="OK", elapsed=0.25).code(),
        0.25,
    )
    assert "0.25" in message.info.msg


def test_installing_twice_keeps_one_layer() -> None:
    builder = BaseEvent.__init__
    dbt_events.install()
    assert BaseEvent.__init__ is builder
