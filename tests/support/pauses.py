"""Stop a write half-way, between its read and its write, to commit another change in between:
the races of read-then-write on PostgreSQL (READ COMMITTED), which tests must provoke, not hope
to meet."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class Pause:
    #: set when the paused call is reached
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    #: set by the test to let it go on
    resume: asyncio.Event = field(default_factory=asyncio.Event)


def pause_first_call(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> Pause:
    """The first call of ``owner.name`` (an async function or method) waits for ``resume``;
    later calls (the other transaction's) go straight through."""
    original = getattr(owner, name)
    pause = Pause()

    async def paused(*args: Any, **kwargs: Any) -> Any:
        if not pause.reached.is_set():
            pause.reached.set()
            await pause.resume.wait()
        return await original(*args, **kwargs)

    monkeypatch.setattr(owner, name, paused)
    return pause


def before_each_call(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, first: Callable[[], Awaitable[None]]
) -> None:
    """``owner.name`` runs ``first`` before it (a change made while the call was under way)."""
    original = getattr(owner, name)

    async def preceded(*args: Any, **kwargs: Any) -> Any:
        await first()
        return await original(*args, **kwargs)

    monkeypatch.setattr(owner, name, preceded)


async def unless_held(task: asyncio.Task[Any], seconds: float = 1.0) -> None:
    """Time for ``task`` (the other change) to commit if nothing holds it back: the defect
    these tests catch. Held, it is still waiting when this returns."""
    await asyncio.wait({task}, timeout=seconds)
