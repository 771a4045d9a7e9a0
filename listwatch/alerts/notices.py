"""What ``[alerts] on_error`` hears, and when: a problem once when it starts, at most once
a day while it lasts, and once when it ends — not on every run.

A problem has a key: ``watch:<name>`` (a watch failed or looked broken) or
``alert:<watch>/<record>:<url id>`` (an alert not delivered to a URL). Problems without a key
(a damaged store file, moved aside) are told once, as they happen; when no on_error URL
took the notice, they wait in ``untold`` for the next one. What was told and when is kept
in ``<store>/errors.json`` (written atomically)::

    {"listwatch": "errors/1",
     "problems": {"watch:nml": {"since": "2026-11-28T16:00:00Z",
                                "told": "2026-11-28T16:00:00Z",
                                "line": "watch nml: …", "fixed": "watch nml works again"}},
     "untold": ["outbox record nml/….json is damaged; moved aside to ….broken"]}

A watch's problem ends when the watch runs and is accepted (or is unchanged); a watch
not run this time (``check OTHER``) keeps its state; a watch no longer configured is
forgotten without a word. An alert's problem ends when it is no longer pending
(delivered, or dropped from the config).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

RECORD = "errors/1"
REMIND = timedelta(days=1)
UNTOLD = 50  # problems without a key kept for the next notice (the newest)
_TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Problem:
    key: str | None  # None: told once, never remembered
    line: str
    fixed: str = ""  # what the notice says when the problem is over
    severity: str = "failure"  # apprise NotifyType: failure (broken), warning (undelivered)


def clock() -> datetime:
    return datetime.now(UTC)


def _stamp(when: datetime) -> str:
    return when.strftime(_TIME)


def _parse(text: object) -> datetime | None:
    try:
        return datetime.strptime(str(text), _TIME).replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass
class Decision:
    lines: list[str]  # the notice's lines: new, reminded and recovered problems
    state: dict  # errors.json as it is once the notice is delivered
    changed: bool  # state differs from what is stored
    severities: set[str] = field(default_factory=set)  # of the problems told
    unsent: dict | None = None  # errors.json when no URL took the notice (None: as stored)

    @property
    def failing(self) -> int:
        return sum(1 for line in self.lines if not line.startswith("recovered: "))

    @property
    def notify_type(self) -> str:
        """failure when a watch is broken, warning when only alerts are undelivered,
        success when every problem told is over."""
        for kind in ("failure", "warning"):
            if kind in self.severities:
                return kind
        return "success"


def decide(stored: dict, problems: list[Problem], ran: set[str], configured: set[str],
           now: datetime | None = None) -> Decision:
    """Which problems to tell now, and the state to keep once told.

    ``ran``: the watches this run settled (their old problems may end);
    ``configured``: every watch of the config (others' state is forgotten)."""
    now = now or clock()
    old = stored.get("problems") if isinstance(stored.get("problems"), dict) else {}
    waiting = stored.get("untold") if isinstance(stored.get("untold"), list) else []
    untold = list(dict.fromkeys(x for x in waiting if isinstance(x, str)))
    state: dict[str, dict] = {}
    lines: list[str] = list(untold)  # not told last time: no URL took that notice
    severities: set[str] = {"failure"} if untold else set()
    current = {p.key for p in problems if p.key}
    for p in problems:
        if p.key is None:
            if p.line not in untold:
                lines.append(p.line)
                untold.append(p.line)
            severities.add(p.severity)
            continue
        if p.key in state:  # the same problem twice in one run: told once
            continue
        seen = old.get(p.key)
        told = _parse(seen.get("told")) if isinstance(seen, dict) else None
        if told is None or now - told >= REMIND:
            severities.add(p.severity)
        if told is None:
            lines.append(p.line)
            state[p.key] = {"since": _stamp(now), "told": _stamp(now), "line": p.line,
                            "fixed": p.fixed}
        elif now - told >= REMIND:
            lines.append(f"still, since {seen.get('since', '?')}: {p.line}")
            state[p.key] = {**seen, "told": _stamp(now), "line": p.line, "fixed": p.fixed}
        else:
            state[p.key] = {**seen, "line": p.line, "fixed": p.fixed}
    for key, seen in old.items():
        if key in current or not isinstance(seen, dict):
            continue
        kind, _, name = key.partition(":")
        if kind == "watch" and name not in configured:
            continue  # no longer watched: forgotten
        if kind == "watch" and name not in ran:
            state[key] = seen  # not run this time: still as it was
            continue
        lines.append(f"recovered: {seen.get('fixed') or key} "
                     f"(a problem since {seen.get('since', '?')})")
    new = {"listwatch": RECORD, "problems": state}
    unsent = {"listwatch": RECORD, "problems": old, "untold": untold[-UNTOLD:]} \
        if untold else None
    return Decision(lines, new, new != {"listwatch": RECORD, "problems": old} or bool(waiting),
                    severities, unsent)
