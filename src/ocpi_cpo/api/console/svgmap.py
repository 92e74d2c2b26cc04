"""Where each Location goes on the console's map: an equirectangular projection of their
coordinates into an SVG box (no tiles, no internet: the dots are the map)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ocpi_cpo.services.network import LocationView

WIDTH, HEIGHT, PAD = 800, 440, 24


@dataclass(frozen=True, slots=True)
class Dot:
    view: LocationView
    x: float
    y: float


def dots(views: list[LocationView]) -> list[Dot]:
    placed = [v for v in views if v.latitude is not None and v.longitude is not None]
    if not placed:
        return []
    lats = [v.latitude for v in placed if v.latitude is not None]
    lons = [v.longitude for v in placed if v.longitude is not None]
    # Longitude degrees shrink with latitude: scale them so the map keeps its shape.
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-9)
    span_y = max(max(lats) - min(lats), 1e-9)
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
    left = (WIDTH - span_x * scale) / 2
    top = (HEIGHT - span_y * scale) / 2
    found = []
    for view in placed:
        assert view.latitude is not None and view.longitude is not None
        x = left + (view.longitude - min(lons)) * squeeze * scale
        y = top + (max(lats) - view.latitude) * scale
        found.append(Dot(view, round(x, 1), round(y, 1)))
    return found
