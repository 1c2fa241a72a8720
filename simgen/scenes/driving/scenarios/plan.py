"""Driving scenarios: rare events staged on demand (``scene.scenarios.NAME``, a probability per
sequence), such as a child stepping out from behind a parked van or a car cutting in.

A scene's scenario is drawn from its scenario stream (:func:`simgen.core.seeding.scenario_rng`):
first which one (one draw against the cumulative probabilities, or the point
:func:`~simgen.randomizers.balance.scenario_point` with ``balance.scenarios``), then its street needs
(:func:`road_for`, read by the ``street`` randomizer), the ego's lane and speed
(:func:`start`, before traffic) and its actors (:meth:`Plan.stage`, placed before ordinary
traffic, which keeps clear of them and of the view onto the event). The staging is drawn until
its event is in view from the planned geometry, up to ``ATTEMPTS`` times (then the last that
fitted is kept, recorded as not in view); the context records the outcome (:class:`~simgen.scenes.driving.scenarios.record.StagedScenario`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from simgen.core.seeding import scenario_rng
from simgen.core.spec import SceneSpec
from simgen.randomizers.balance import scenario_point
from simgen.scenes.driving.context import EgoDrive, Track, driving_context
from simgen.scenes.driving.layout import Street
from simgen.scenes.driving.scenarios.record import StagedScenario
from simgen.scenes.driving.scenarios.settings import SCENARIO_NAMES
from simgen.scenes.driving.scenarios.stage import Stage, place
from simgen.scenes.driving.scenarios.templates import TEMPLATES, Template

ATTEMPTS = 60
JUNCTION_CLEAR = 45.0  # metres past the ego's start that a scenario's street keeps free of junctions
MAX_SPEED = 15.0  # m/s: the fastest a scenario actor moves (the placer's time grid must resolve it)


def chosen(spec: SceneSpec, scene, balance=None) -> tuple[str, np.random.Generator] | None:
    """The scenario scene ``spec.index`` stages and its generator (after the choice), or None.
    ``balance.scenarios`` (shares), where given, replaces ``scene.scenarios`` (probabilities):
    the scene then samples the shares at :func:`scenario_point` instead of a random draw.
    Without either nothing is drawn."""
    shares = dict(balance.scenarios) if balance is not None and balance.scenarios else None
    if shares is None and not scene.scenarios.any():
        return None
    rng = scenario_rng(spec.seed, spec.index)
    u = float(rng.random())
    if shares is not None:
        u = scenario_point(spec.seed, spec.index)
    edge = 0.0
    for name in SCENARIO_NAMES:
        edge += float(shares.get(name, 0.0)) if shares is not None else getattr(scene.scenarios, name)
        if u < edge:
            return name, rng
    return None


def road_for(spec: SceneSpec, scene, balance=None):
    """The road settings the street is laid out with and the arc length from which a junction
    may lie: the recipe's, or with the lanes and parking strip the scene's scenario needs and
    the junction beyond the stretch where the event happens."""
    pick = chosen(spec, scene, balance)
    if pick is None:
        return scene.road, scene.ego.start
    t = TEMPLATES[pick[0]]
    road = scene.road
    if t.lanes > 1:
        road = dataclasses.replace(road, lanes_min=max(road.lanes_min, t.lanes), lanes_max=max(road.lanes_max, t.lanes))
    if t.parking:
        road = dataclasses.replace(road, parking_probability=1.0)
    return road, scene.ego.start + JUNCTION_CLEAR


@dataclass
class Plan:
    """A scenario about to be staged: its name, template, generator and ranges."""

    name: str
    template: Template
    rng: np.random.Generator
    ranges: object

    def stage(self, spec: SceneSpec, stage: Stage) -> StagedScenario | None:
        """Stage the event (placing its actors in ``spec`` and ``stage.occupancy``), record it
        in the context and return it; None where no attempt fitted."""
        staging = None  # the first in view, else the last that fitted (recorded with in_view False)
        for _ in range(ATTEMPTS):
            attempt = self.template.stage(self.rng, stage, self.ranges)
            if attempt is not None:
                staging = attempt
                if attempt.in_view:
                    break
        if staging is None:
            return None
        roles = {}
        tracks = driving_context(spec).tracks
        for actor in staging.actors:
            iid = place(spec, self.rng, actor, stage.frame_at)
            roles[iid] = actor.role
            tracks[iid] = Track(placement="scenario", speed=float(actor.speed))
            stage.occupancy.add(actor.track)
        for box in staging.reserve:
            stage.occupancy.add(box)
        record = StagedScenario(name=self.name, roles=roles, phases=stage.phases(staging.onset),
                                visibility=[float(v) for v in staging.visibility], in_view=staging.in_view,
                                variant=staging.variant)
        driving_context(spec).scenario = record
        return record


def start(spec: SceneSpec, scene, street: Street, balance=None) -> Plan | None:
    """The scene's scenario, its ego lane and speed set (the ego drive replaced); None without one."""
    pick = chosen(spec, scene, balance)
    if pick is None:
        return None
    name, rng = pick
    template, ranges = TEMPLATES[name], getattr(scene.scenario_ranges, name)
    context = driving_context(spec)
    lanes = sorted((lane for lane in street.lanes() if lane.road == 0 and lane.kind == "main" and lane.offset < 0),
                   key=lambda lane: lane.offset)  # kerb side first
    if template.ego_lane == "outer" or len(lanes) == 1:
        lane = lanes[0]
    elif template.ego_lane == "inner":
        lane = lanes[1 + int(rng.integers(len(lanes) - 1))]
    else:
        lane = lanes[int(rng.integers(len(lanes)))]
    times = [f.time for f in spec.sequence()]
    duration = float(times[-1]) if times else 0.0
    speed = float(rng.uniform(ranges.ego_speed_min, ranges.ego_speed_max))
    speed = min(speed, max(0.0, (lane.path.length - scene.ego.start - 60.0) / max(duration, 1e-9)))
    context.ego = EgoDrive(path=lane.path, s0=float(scene.ego.start), speed=speed, length=scene.ego.length,
                           width=scene.ego.width)
    return Plan(name=name, template=template, rng=rng, ranges=ranges)
