"""The CLI reference (docs/cli.md), generated from the commands' own `--help`.

`python -m jump.data_platform.cli.reference docs/cli.md` writes it; `--check` fails when the file
differs from what the code would write, so `make lint` catches a reference that drifted.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

import click

from jump.data_platform.cli.main import cli

HEADER = """# Command-line reference

Generated from `data-platform --help` and each command's `--help` by
`make cli-reference`; `make lint` fails when this page and the code disagree.
"""


def _help(command: click.Command, name: str, parent: click.Context | None) -> str:
    # A fixed width, so that the page does not depend on the terminal that generated it.
    settings = {"terminal_width": 100, **command.context_settings}
    context = click.Context(command, info_name=name, parent=parent, **settings)
    context.max_content_width = 100
    return command.get_help(context)


def render() -> str:
    """The whole reference page as markdown."""
    # As the real entry point builds it: the group's settings (`-h`) reach every command.
    root = click.Context(cli, info_name="data-platform", terminal_width=100, **cli.context_settings)
    sections = [HEADER, "## data-platform\n", f"```\n{_help(cli, 'data-platform', None)}\n```\n"]
    for name, command in sorted(cli.all_commands().items()):
        sections.append(f"## data-platform {name}\n")
        sections.append(f"```\n{_help(command, name, root)}\n```\n")
    return "\n".join(sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path, help="the markdown file to write or check")
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    arguments = parser.parse_args(argv)
    expected = render()
    if arguments.check:
        current = arguments.path.read_text(encoding="utf-8") if arguments.path.exists() else ""
        if current != expected:
            diff = difflib.unified_diff(
                current.splitlines(),
                expected.splitlines(),
                "checked in",
                "from --help",
                lineterm="",
            )
            print("\n".join(list(diff)[:40]), file=sys.stderr)
            print(
                f"{arguments.path} is out of date: run `make cli-reference` and commit it",
                file=sys.stderr,
            )
            return 1
        return 0
    arguments.path.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
