"""Errors that carry their exit code, and the one exit-code table (docs/exit-codes.md)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    CHANGED = 1
    USAGE = 2
    SOURCE_FAILED = 3
    ALERT_FAILED = 4
    INTERNAL = 70
    INTERRUPTED = 130


class ListwatchError(Exception):
    """A problem the user can fix: printed as one line, never with a traceback.

    One line whatever the message quotes (a CSV header with a newline in it, a
    server's multi-line error): line breaks are folded into spaces here."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, *args: object):
        if len(args) == 1 and isinstance(args[0], str) and ("\n" in args[0] or "\r" in args[0]):
            args = (" ".join(args[0].split()),)
        super().__init__(*args)


class ConfigError(ListwatchError):
    """Bad configuration or command-line usage."""

    exit_code = ExitCode.USAGE


class OptionsError(ConfigError):
    """A source's options do not match its ``options_schema`` (exit 2, before any fetch)."""


class PluginError(ConfigError):
    """An installed plugin is unusable (clashing names, bad schema, typo'd hook)."""


class SourceError(ListwatchError):
    """A source could not produce a snapshot: bad document, network failure, broken parser.

    Plugins raise this with one clear line saying what is wrong with the input.
    """

    exit_code = ExitCode.SOURCE_FAILED


class HeldBack(SourceError):
    """The source's own checks doubt this snapshot (its ``Draft.doubts``): it read the
    document, but what it read disagrees with itself. Like a guard refusal, nothing is
    stored or sent until a person looks (``check --accept``) or the watch sets
    ``strict = false``."""


class InvalidSnapshot(SourceError):
    """A snapshot (fetched or read from a file) does not match the schema."""

    def __init__(self, where: str, problems: list[str]):
        self.where = where
        self.problems = problems
        first = problems[0] if problems else "invalid"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{where}: {first}{more}")


class NotModified(Exception):
    """The document has not changed since the last accepted run: the server answered
    304, or (``why="same document"``) its bytes are the ones already parsed."""

    def __init__(self, location: str, why: str = "HTTP 304"):
        super().__init__(location)
        self.why = why


class AlertError(ListwatchError):
    """An alert could not be delivered; it stays in the outbox."""

    exit_code = ExitCode.ALERT_FAILED


class StoreError(ListwatchError):
    """The store cannot be read or written (permissions, disk full, lock held)."""

    exit_code = ExitCode.USAGE


class StoreDamaged(StoreError):
    """A stored file listwatch did not write as it is (tampered, truncated): one line
    naming it; it is moved aside, and only the watch or alert it belongs to fails."""

    exit_code = ExitCode.SOURCE_FAILED
