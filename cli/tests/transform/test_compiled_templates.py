"""dbt's Jinja templates compiled once, reused by the next process (transform/compiled_templates.py)."""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from dbt_common.clients.jinja import get_environment, get_template

from jump.data_platform.transform import compiled_templates as module
from jump.data_platform.transform.compiled_templates import compiled_templates

MACRO = "{% set greeting = 'hello' %}{% for name in [who] %}{{ greeting }} {{ name }}{% endfor %}"


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The templates Jinja generated Python code for (its compiler's work), in order."""
    templates: list[Any] = []
    generate = jinja2.Environment._generate

    def counting(
        environment: jinja2.Environment, source: Any, *arguments: Any, **options: Any
    ) -> Any:
        templates.append(source)
        return generate(environment, source, *arguments, **options)

    monkeypatch.setattr(jinja2.Environment, "_generate", counting)
    yield templates


def render(source: str, native: bool = False, **context: Any) -> Any:
    return get_template(source, {}, native=native).render(context)


def assert_compiled_once(saved: Path, generated: list[Any]) -> None:
    """MACRO rendered in two blocks, the second reading `saved` afresh as a new process would:
    Jinja compiles it in the first only."""
    with compiled_templates(saved):
        assert render(MACRO, who="Ada") == "hello Ada"
    assert len(generated) == 1
    with compiled_templates(saved):
        assert render(MACRO, who="Grace") == "hello Grace"
    assert len(generated) == 1


def test_a_template_compiled_in_one_block_is_not_compiled_again_in_the_next(
    tmp_path: Path, generated: list[Any]
) -> None:
    saved = tmp_path / "compiled_templates.marshal"
    assert_compiled_once(saved, generated)
    assert saved.is_file()


def test_a_changed_source_is_compiled_again_never_served_the_old_code(
    tmp_path: Path, generated: list[Any]
) -> None:
    saved = tmp_path / "compiled_templates.marshal"
    with compiled_templates(saved):
        assert render("{{ 'a' ~ who }}", who="1") == "a1"
    with compiled_templates(saved):
        assert render("{{ 'b' ~ who }}", who="1") == "b1"
        assert render("{{ 'a' ~ who }}", who="2") == "a2"
    assert len(generated) == 2
    assert len(marshal.loads(saved.read_bytes())) == 2


def test_the_native_and_the_text_environments_each_get_their_own_code(tmp_path: Path) -> None:
    """dbt's native environment generates other code than its text one for the same source."""
    source = "{{ who }}"
    assert get_environment(native=True).compile(source, raw=True) != get_environment().compile(
        source, raw=True
    )
    saved = tmp_path / "compiled_templates.marshal"
    for _ in range(2):  # compiled, then read from the file
        with compiled_templates(saved):
            assert render(source, native=True, who=[1, 2]) == [1, 2]
            assert render(source, who=[1, 2]) == "[1, 2]"
    assert len(marshal.loads(saved.read_bytes())) == 2


@pytest.mark.parametrize(
    "content",
    [b"", b"not marshal at all", marshal.dumps(["a", "list"]), marshal.dumps({"key": b"junk"})],
    ids=["empty", "garbage", "not-a-dict", "bad-bucket"],
)
def test_a_damaged_file_is_ignored_and_replaced(
    tmp_path: Path, generated: list[Any], content: bytes
) -> None:
    saved = tmp_path / "compiled_templates.marshal"
    saved.write_bytes(content)
    assert_compiled_once(saved, generated)


def test_a_bucket_of_another_source_under_the_same_key_is_not_used(
    tmp_path: Path, generated: list[Any]
) -> None:
    """Jinja's bucket keeps the source's checksum: code saved under a key for another source
    (a file edited, or a key that collides) is compiled again."""
    saved = tmp_path / "compiled_templates.marshal"
    with compiled_templates(saved):
        render("{{ 'first' }}")
    entries = marshal.loads(saved.read_bytes())
    with compiled_templates(saved):
        render("{{ 'second' }}")
    second = marshal.loads(saved.read_bytes())
    (key_first,) = entries
    (key_second,) = set(second) - {key_first}
    # The second source's key holds the first source's code, then bytes that are no code.
    for wrong in (entries[key_first], second[key_second][:40] + b"junk"):
        saved.write_bytes(marshal.dumps({key_second: wrong}))
        with compiled_templates(saved):
            assert render("{{ 'second' }}") == "second"
    assert len(generated) == 4


def test_outside_a_block_nothing_is_read_or_written(tmp_path: Path, generated: list[Any]) -> None:
    with compiled_templates(tmp_path / "compiled_templates.marshal"):
        pass
    assert render(MACRO, who="Ada") == "hello Ada"
    assert render(MACRO, who="Ada") == "hello Ada"
    assert len(generated) == 2
    assert not (tmp_path / "compiled_templates.marshal").exists()


def test_an_unwritable_file_leaves_the_templates_rendered(tmp_path: Path) -> None:
    """The cache only saves time: a folder that cannot be written is no error."""
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    with compiled_templates(blocked / "compiled_templates.marshal"):
        assert render(MACRO, who="Ada") == "hello Ada"


def test_the_file_keeps_only_what_its_last_block_used_once_it_is_too_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "MAX_TEMPLATES", 3)
    saved = tmp_path / "compiled_templates.marshal"
    with compiled_templates(saved):
        for number in range(3):
            render(f"{{{{ {number} }}}}")
    assert len(marshal.loads(saved.read_bytes())) == 3
    with compiled_templates(saved):
        render("{{ 0 }}")
        render("{{ 'new' }}")
    assert len(marshal.loads(saved.read_bytes())) == 2
