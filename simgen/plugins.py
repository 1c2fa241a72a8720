"""The built-in plugins: importing this module registers every randomizer, asset builder,
writer, label layer, render pass and scene kind simgen ships (:mod:`simgen.registry` imports it on first use)."""

from simgen.export import bop, coco, kitti, mvtec, yolo  # noqa: F401  (writers)
from simgen.layers import core, depth_sensor, flow, normals  # noqa: F401  (label layers)
from simgen.randomizers import cameras, lights, materials  # noqa: F401  (shared randomizers)
from simgen.render.passes import color, coverage, labels  # noqa: F401  (render passes)
from simgen.render.passes import normals as normals_pass  # noqa: F401
from simgen.scenes.bin_picking import kind as bin_picking_kind  # noqa: F401
from simgen.scenes.bin_picking import randomizers as bin_picking_randomizers  # noqa: F401
from simgen.scenes.driving import (  # noqa: F401
    conditions,
    rig,
    road_user_meshes,
    roadside,
    scenario_meshes,
    scenery_meshes,
    signals,
    street,
    sun,
    traffic,
)
from simgen.scenes.driving import kind as driving_kind  # noqa: F401
from simgen.scenes.inspection import build as inspection_build  # noqa: F401
from simgen.scenes.inspection import kind as inspection_kind  # noqa: F401
from simgen.scenes.inspection import randomizers as inspection_randomizers  # noqa: F401
from simgen.scenes.tabletop import kind as tabletop_kind  # noqa: F401
from simgen.scenes.tabletop import randomizers as tabletop_randomizers  # noqa: F401
