"""Routes: a polyline of GNSS points with speed limits, and a driver who follows them.

Flow: `Route(points)` measures each segment (haversine); `locate(distance_m)` gives latitude,
longitude and heading at a distance along the route; `Driver.target_speed(distance_m, speed)`
picks the speed a calm driver aims for: the current limit, lowered early enough to reach a
lower limit ahead (or a stop at the end) with a comfortable deceleration.

    >>> route = Route([(39.90, 116.40, 50.0), (39.91, 116.40, 50.0)])
    >>> round(route.length_m)
    1112
    >>> lat, lon, heading = route.locate(556.0)
    >>> round(lat, 3), round(heading)
    (39.905, 0)
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right

EARTH_RADIUS_M = 6_371_000.0
COMFORT_DECEL = 1.5  # m/s^2


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360.0


class Route:
    """Points are (latitude, longitude, speed limit km/h of the segment starting there)."""

    def __init__(self, points: list[tuple[float, float, float]], stops_s: list[float] | None = None) -> None:
        if len(points) < 2:
            raise ValueError("a route needs at least two points")
        if stops_s is not None and len(stops_s) != len(points):
            raise ValueError("stops_s needs one entry per point")
        self.points = points
        self.starts: list[float] = [0.0]
        self.headings: list[float] = []
        for (la1, lo1, _), (la2, lo2, _) in itertools.pairwise(points):
            self.starts.append(self.starts[-1] + haversine_m(la1, lo1, la2, lo2))
            self.headings.append(bearing_deg(la1, lo1, la2, lo2))
        self.length_m = self.starts[-1]
        # Where the driver must stop and for how long (traffic lights, toll gates), by distance.
        self.stops: list[tuple[float, float]] = [
            (self.starts[i], wait) for i, wait in enumerate(stops_s or []) if wait > 0 and 0 < i < len(points) - 1
        ]
        # A route that ends where it starts is a loop: a car driving a cycle keeps lapping it.
        first, last = points[0], points[-1]
        self.is_loop = haversine_m(first[0], first[1], last[0], last[1]) < 50.0

    def _segment(self, distance_m: float) -> int:
        return min(max(bisect_right(self.starts, distance_m) - 1, 0), len(self.points) - 2)

    def locate(self, distance_m: float) -> tuple[float, float, float]:
        if self.is_loop and distance_m > self.length_m:
            distance_m %= self.length_m
        d = min(max(distance_m, 0.0), self.length_m)
        i = self._segment(d)
        seg = self.starts[i + 1] - self.starts[i]
        f = (d - self.starts[i]) / seg if seg > 0 else 0.0
        (la1, lo1, _), (la2, lo2, _) = self.points[i], self.points[i + 1]
        return la1 + (la2 - la1) * f, lo1 + (lo2 - lo1) * f, self.headings[i]

    def limit_kmh(self, distance_m: float) -> float:
        return self.points[self._segment(distance_m)][2]


class Driver:
    """Follows a route's speed limits (times a personal factor) and stops at its end."""

    def __init__(self, route: Route, *, limit_factor: float = 1.0, stop_at_m: float | None = None) -> None:
        self.route = route
        self.limit_factor = limit_factor
        self.stop_at_m = min(stop_at_m, route.length_m) if stop_at_m is not None else route.length_m

    def target_speed_ms(self, distance_m: float, next_stop_m: float | None = None) -> float:
        """Speed to aim for at `distance_m`; `next_stop_m` is a stop ahead not yet served."""
        route = self.route
        stop_at = self.stop_at_m if next_stop_m is None else min(self.stop_at_m, next_stop_m)
        if distance_m >= stop_at - 0.5:
            return 0.0
        target = route.limit_kmh(distance_m) * self.limit_factor / 3.6
        i = route._segment(distance_m)
        # Look ahead: slow down in time for any lower limit, and for the stop at the end.
        for j in range(i + 1, len(route.points)):
            ahead = route.starts[j] - distance_m
            if ahead > 2000.0:
                break
            limit = 0.0 if j == len(route.points) - 1 else route.points[j][2] * self.limit_factor / 3.6
            reachable = math.sqrt(limit * limit + 2.0 * COMFORT_DECEL * max(ahead, 0.0))
            target = min(target, reachable)
        to_stop = stop_at - distance_m
        target = min(target, math.sqrt(2.0 * COMFORT_DECEL * max(to_stop, 0.0)))
        return max(target, 0.0)
