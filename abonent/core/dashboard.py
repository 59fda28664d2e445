"""Tiles on the back office home page. Each app registers a function user -> list of tiles, so the
home page (in core) shows every app's work without importing the apps above it."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Tile:
    title: str
    count: int
    url: str
    tone: str = ""  # "", "warn" or "bad"


_PROVIDERS: list[Callable] = []


def register(provider: Callable) -> Callable:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def tiles_for(user) -> list[Tile]:
    return [tile for provider in _PROVIDERS for tile in provider(user)]
