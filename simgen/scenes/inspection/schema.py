"""The inspection recipe's schema: a product on a conveyor or a fixture, its defects, the
station's lights and camera."""

from __future__ import annotations

from dataclasses import dataclass, field

from simgen.config.ranges import FOV, NONNEG_M, POSITIVE_M, SHARE, Range, add_ranges
from simgen.scenes.inspection.defects import DEFECTS
from simgen.scenes.inspection.products import PRODUCTS

STAGES = ("conveyor", "fixture")
LIGHTINGS = ("ring", "bar", "dome", "backlight")


def _weights(names, **given: float) -> dict[str, float]:
    return {n: float(given.get(n, 1.0)) for n in names}


@dataclass
class InspectionCameraConfig:
    """The station's camera: straight above the product with probability
    ``overhead_fraction``, else at an angle of ``angle_min_deg``..``angle_max_deg`` from the
    vertical, from any side. Its distance makes the product's bounding sphere span
    ``fill_min``..``fill_max`` of the image height; its aim is jittered by up to
    ``jitter_deg``. ``fixed``: every scene of the job shares one camera (drawn from the seed)
    and only the product's pose varies, as on a real line."""

    overhead_fraction: float = 0.5
    angle_min_deg: float = 20.0
    angle_max_deg: float = 50.0
    fov_y_min_deg: float = 22.0
    fov_y_max_deg: float = 32.0
    fill_min: float = 0.55
    fill_max: float = 0.8
    jitter_deg: float = 1.5
    roll_max_deg: float = 180.0  # overhead views turn about the optical axis by up to this
    fixed: bool = False
    znear: float = 0.02
    zfar: float = 3.0


@dataclass
class InspectionSceneConfig:
    """One product per scene on a conveyor belt or a fixture, defective with probability
    ``defect_rate`` (over the scenes of a job the share holds to within a scene or two, see
    :mod:`simgen.scenes.inspection.plan`), then carrying ``defects_min``..``defects_max``
    defects of kinds drawn with ``defect_weights`` among those its product can carry, each of a
    severity in ``[severity_min, severity_max]`` (0..1, it scales the defect's size).
    ``facing_camera`` of the defects lie on the side of the product facing the camera, the
    rest on any side (a defect the product hides from the view has no mask and leaves the view
    good). ``products``, ``stages`` and ``lighting`` are weights of the product kinds, of conveyor
    or fixture and of the lighting kinds. The product lies at rest, moved by up to
    ``pose_jitter`` metres and turned about z by up to ``yaw_jitter_deg``."""

    name: str = "inspection"
    kind: str = "inspection"
    randomizers: list[str] = field(default_factory=lambda: [
        "inspection_stage", "inspection_product", "inspection_camera", "inspection_defects",
        "inspection_looks", "inspection_lights"])
    views_per_scene: int = 1
    depth_scale: float = 0.0001  # metres per unit of the uint16 depth PNG (0.1 mm, 6.5 m range)
    products: dict[str, float] = field(default_factory=lambda: _weights(PRODUCTS))
    defect_rate: float = 0.5
    defects_min: int = 1
    defects_max: int = 2
    defect_weights: dict[str, float] = field(default_factory=lambda: _weights(DEFECTS))
    severity_min: float = 0.2
    severity_max: float = 1.0
    facing_camera: float = 0.9  # share of defects on the side the camera sees; the rest anywhere
    stages: dict[str, float] = field(default_factory=lambda: _weights(STAGES))
    lighting: dict[str, float] = field(default_factory=lambda: _weights(LIGHTINGS, backlight=0.3))
    pose_jitter: float = 0.01
    yaw_jitter_deg: float = 180.0
    camera: InspectionCameraConfig = field(default_factory=InspectionCameraConfig)


add_ranges({
    InspectionCameraConfig: {"overhead_fraction": SHARE, "angle_min_deg": Range(0, 80, unit="degrees"),
                             "angle_max_deg": Range(0, 80, unit="degrees"), "fov_y_min_deg": FOV,
                             "fov_y_max_deg": FOV, "fill_min": Range(0.05, 2.0), "fill_max": Range(0.05, 2.0),
                             "jitter_deg": Range(0, 20, unit="degrees"),
                             "roll_max_deg": Range(0, 180, unit="degrees"), "znear": POSITIVE_M, "zfar": POSITIVE_M},
    InspectionSceneConfig: {"views_per_scene": Range(1, 10_000), "depth_scale": POSITIVE_M, "defect_rate": SHARE,
                            "defects_min": Range(1, 8), "defects_max": Range(1, 8), "severity_min": SHARE,
                            "severity_max": SHARE, "facing_camera": SHARE, "pose_jitter": NONNEG_M,
                            "yaw_jitter_deg": Range(0, 180, unit="degrees")},
})
