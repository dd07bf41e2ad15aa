"""Build dbt's events with protobuf's constructors instead of its JSON parser.

dbt fires an event for every statement, connection and node (about 1,200 in a scheduled hour
at scale 100, nearly all at the debug level, which no logger of the transform keeps), and
builds each twice as a protobuf message: its own fields, then a wrapper with its level, time
and thread. Both go through `google.protobuf.json_format.ParseDict`, which walks the message's
descriptor in Python: about 80 microseconds an event, held under the interpreter lock that
dbt's worker threads share. The messages' own constructors build the same messages in about 6.

`install` (once per process, before dbt runs) makes dbt-common build them so. Whatever a
constructor refuses (a time given as text, a number as text, a wrong type) goes the way dbt
goes: its own parser, and its own warning when that fails too. The constructors accept a few
values the parser refuses (1 for a boolean); dbt then gets the event instead of its warning.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

_installed = False


def install() -> None:
    """Route dbt-common's construction of events and of their wrappers through the
    constructors (idempotent)."""
    global _installed
    if _installed:
        return
    from dbt_common.events import base_types, event_manager
    from dbt_common.invocation import get_invocation_id

    parse_event = base_types.BaseEvent.__init__
    parse_wrapper = base_types.msg_from_base_event

    def build_event(self: Any, *args: Any, **kwargs: Any) -> None:
        class_name = type(self).__name__
        if args:  # dbt's `Formatting(text)`, or a misuse it reports itself
            parse_event(self, *args, **kwargs)
            return
        for text in ("base_msg", "msg"):  # as dbt does
            if text in kwargs:
                kwargs[text] = str(kwargs[text])
        try:
            message = getattr(self.PROTO_TYPES_MODULE, class_name)(**kwargs)
        except Exception:  # what the constructor refuses, dbt's parser parses or reports
            parse_event(self, **kwargs)
            return
        object.__setattr__(self, "pb_msg", message)  # BaseEvent routes other names to pb_msg

    def build_wrapper(event: Any, level: Any = None) -> Any:
        try:
            wrapper = getattr(event.PROTO_TYPES_MODULE, f"{type(event).__name__}Msg")()
            info = wrapper.info
            info.level = level.value if level else event.level_tag().value
            info.msg = event.message()
            info.invocation_id = get_invocation_id()
            info.extra.update(base_types.get_global_metadata_vars())
            now = time.time_ns()  # in microseconds, as dbt's own text of the time
            info.ts.seconds, info.ts.nanos = divmod(now - now % 1000, 1_000_000_000)
            info.pid = os.getpid()
            info.thread = threading.current_thread().name
            info.code = event.code()
            info.name = type(event).__name__
            wrapper.data.CopyFrom(event.pb_msg)
        except Exception:
            return parse_wrapper(event, level=level)
        return wrapper

    base_types.BaseEvent.__init__ = build_event  # type: ignore[method-assign]
    # EventManager.fire_event looks the wrapper's builder up in its own module.
    event_manager.msg_from_base_event = build_wrapper  # type: ignore[attr-defined]
    _installed = True
