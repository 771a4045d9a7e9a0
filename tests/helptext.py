"""The examples printed in every command's --help, for the tests that run them."""

from __future__ import annotations

import re

import click

from listwatch.cli import cli


def commands(group: click.Command = cli, path: tuple[str, ...] = ()):
    yield path, group
    if isinstance(group, click.Group):
        for name, command in sorted(group.commands.items()):
            yield from commands(command, (*path, name))


def help_text(path: tuple[str, ...]) -> str:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def examples(text: str) -> list[str]:
    """Lines of an indented example block that start with `listwatch `; a run of two or
    more spaces starts a comment."""
    found = []
    for line in text.splitlines():
        match = re.match(r"^ {4,}(listwatch\s.*?)(?:\s{2,}\S.*)?$", line)
        if match:
            found.append(match.group(1).strip())
    return found


def all_examples() -> dict[str, str]:
    """Each distinct example, with the first command whose help shows it."""
    found: dict[str, str] = {}
    for path, _ in commands():
        for example in examples(help_text(path)):
            found.setdefault(example, " ".join(path) or "listwatch")
    return found
