"""CPU seconds spent by groups of local processes during a measurement (Linux /proc).

A group is every process tree whose root matches: its own time, plus the time of the
children it has already reaped (a recycled gunicorn worker, a closed PostgreSQL backend),
plus its live descendants. Read before and after; the difference is what the run cost.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class _Process:
    pid: int
    parent: int
    name: str
    command: str
    seconds: float  # own + reaped children's user and system time


def _read(pid: int) -> _Process | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:  # it ended while we looked
        return None
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    # fields[0] is field 3 of proc(5): state; utime, stime, cutime, cstime are fields 14–17.
    ticks = sum(int(value) for value in fields[11:15])
    return _Process(pid, int(fields[1]), name, command, ticks / TICKS)


def _processes() -> dict[int, _Process]:
    found = (_read(int(entry)) for entry in os.listdir("/proc") if entry.isdigit())
    return {process.pid: process for process in found if process}


def group_seconds(groups: dict[str, Callable[[_Process], bool]]) -> dict[str, float]:
    """CPU seconds so far of each group: trees whose root matches and whose parent does not."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for process in processes.values():
        children.setdefault(process.parent, []).append(process.pid)
    totals = dict.fromkeys(groups, 0.0)
    for label, matches in groups.items():
        for process in processes.values():
            if not matches(process):
                continue
            parent = processes.get(process.parent)
            if parent is None or not matches(parent):
                totals[label] += _tree_seconds(process.pid, processes, children)
    return totals


def _tree_seconds(
    root: int, processes: dict[int, _Process], children: dict[int, list[int]]
) -> float:
    total, pending = 0.0, [root]
    while pending:
        pid = pending.pop()
        total += processes[pid].seconds
        pending.extend(children.get(pid, ()))
    return total


def by_name(name: str) -> Callable[[_Process], bool]:
    return lambda process: process.name == name


def by_command(fragment: str) -> Callable[[_Process], bool]:
    return lambda process: fragment in process.command
