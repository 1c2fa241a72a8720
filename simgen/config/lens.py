"""Settings of the camera's lens (``camera=pinhole|driving_front_wide|robot_arm_mild``, or
``camera.model=...`` with its coefficients): the leaf schema, its checks and the
:class:`simgen.core.lens.Lens` it gives.

Coefficients are OpenCV's: ``opencv`` takes k1..k6, p1, p2 (``cv2.projectPoints``' rational
and tangential model), ``fisheye`` k1..k4 (``cv2.fisheye``'s equidistant model). The default,
``pinhole``, has none and leaves every dataset as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from simgen.core.errors import require
from simgen.core.lens import FISHEYE_NAMES, MODELS, OPENCV_NAMES, Lens

# What each coefficient may be: wide enough for real lenses (radial terms of wide-angle
# automotive lenses stay within +-1, tangential ones within a few hundredths), narrow enough
# to catch a typo. Whether a lens folds over inside the image depends on the view's focal
# length too: that is checked per camera when it is drawn (simgen.core.distortion.lens_view).
RADIAL_LIMIT = 1.0
TANGENTIAL_LIMIT = 0.05
RENDER_SCALE = (1.0, 3.0)


@dataclass
class CameraConfig:
    """The lens of every camera of the job. ``model``: pinhole (none), opencv or fisheye;
    ``k1``..``k6``, ``p1``, ``p2``: OpenCV's distortion coefficients (fisheye uses k1..k4);
    ``render_scale``: the pinhole view each image is remapped from is this many times the
    image's size (its focal length is chosen to hold every ray the lens sees)."""

    model: str = "pinhole"
    k1: float = 0.0
    k2: float = 0.0
    k3: float = 0.0
    k4: float = 0.0
    k5: float = 0.0
    k6: float = 0.0
    p1: float = 0.0
    p2: float = 0.0
    render_scale: float = 1.5


def uses_lens(cfg: CameraConfig) -> bool:
    return cfg.model != "pinhole"


def check_camera(cfg: CameraConfig) -> None:
    """One-line ConfigError naming the first setting out of range."""
    require(cfg.model in MODELS, "camera.model", cfg.model, f"allowed: {', '.join(MODELS)}")
    names = {"pinhole": (), "opencv": OPENCV_NAMES, "fisheye": FISHEYE_NAMES}[cfg.model]
    for name in OPENCV_NAMES:
        value = getattr(cfg, name)
        if name not in names:
            require(value == 0.0, f"camera.{name}", value, f"the {cfg.model} model has no {name}: leave it 0"
                    + ("" if cfg.model != "pinhole" else " or choose camera.model=opencv|fisheye"))
        elif name.startswith("p"):
            require(abs(value) <= TANGENTIAL_LIMIT, f"camera.{name}", value,
                    f"tangential coefficients must lie in [-{TANGENTIAL_LIMIT}, {TANGENTIAL_LIMIT}]")
        else:
            require(abs(value) <= RADIAL_LIMIT, f"camera.{name}", value,
                    f"radial coefficients must lie in [-{RADIAL_LIMIT:g}, {RADIAL_LIMIT:g}]")
    lo, hi = RENDER_SCALE
    require(lo <= cfg.render_scale <= hi, "camera.render_scale", cfg.render_scale, f"must lie in [{lo:g}, {hi:g}]")


def lens_of(cfg: CameraConfig) -> Lens | None:
    """The job's :class:`Lens` (coefficients in OpenCV's order for the model), None for a pinhole."""
    if not uses_lens(cfg):
        return None
    names = OPENCV_NAMES if cfg.model == "opencv" else FISHEYE_NAMES
    return Lens(model=cfg.model, dist=tuple(float(getattr(cfg, n)) for n in names), render_scale=float(cfg.render_scale))
