"""SIGKILL at random points of `check` runs that store changes and alert a slow webhook.

The promise measured here: no change is ever lost, and a change reaches a URL twice only
when the run was killed while that URL was receiving it (at most one duplicate per kill),
with the same Idempotency-Key both times.
The figures are printed (`pytest -s`) for the README's guarantees table.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

from receivers import WebhookReceiver
from test_alerts import Project

ROUNDS = 8


def test_kill_nine_while_a_webhook_is_slow_loses_nothing(tmp_path):
    rng = random.Random(20261202)
    hook = WebhookReceiver().up()
    try:
        p = Project(tmp_path, [hook.url("json", "/json")], timeout=10)
        assert p.run("check").exit_code == 0  # baseline: nothing sent
        hook.processing = 1.5
        kills = 0
        for round_ in range(ROUNDS):
            p.add(f"r{round_}", f"Round {round_} Market")
            proc = subprocess.Popen([sys.executable, "-m", "listwatch", "--config",
                                     str(p.config), "check"], cwd=tmp_path,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            hook.arrived.clear()
            if round_ % 2:  # at a random moment of the run
                time.sleep(rng.uniform(0.3, 3.0))
            elif hook.arrived.wait(30):  # while the webhook is taking a message in
                time.sleep(rng.uniform(0.0, 1.2))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
        hook.processing = 0
        for _ in range(3):  # what is pending goes out on the next runs
            last = p.run("check")
            if not p.outbox():
                break
        assert last.exit_code == 0, last.stderr
        assert p.outbox() == [], "everything pending was delivered"
        bodies = [r.payload["message"] for r in hook.accepted]
        seen = {n: sum(f"Round {n} Market" in b for b in bodies) for n in range(ROUNDS)}
        lost = [n for n, times in seen.items() if times == 0]
        duplicated = sum(times - 1 for times in seen.values() if times > 1)
        print(f"\nkill -9 with a 1.5 s webhook: {ROUNDS} runs, {kills} killed, "
              f"{len(bodies)} messages, {len(lost)} changes lost, {duplicated} duplicated")
        assert kills >= ROUNDS // 2, "the runs were meant to be killed"
        assert lost == []
        assert duplicated <= kills
        # a resend carries the key of the first send: a receiver can drop every duplicate
        keys = {r.headers.get("Idempotency-Key") for r in hook.accepted}
        assert None not in keys
        assert len(bodies) - len(keys) == duplicated
    finally:
        hook.down()
