"""Passes through a lens: a camera with a :class:`simgen.core.lens.Lens` is drawn as its wider
pinhole source view (:func:`simgen.core.distortion.lens_view`) and every array is looked up at each
image pixel: ``color`` bilinearly; ``ids``, ``depth`` and ``normals`` from the nearest source
pixel (exact values: depth is z along the same optical axis, normals are in the same camera
frame); ``coverage`` silhouettes likewise, with their counts made on the image's pixels.

So the label stage sees distorted arrays of the distorted camera and makes every label from
them as it does for a pinhole.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from typing import Any

import numpy as np

from simgen.core.distortion import footprint, lens_view
from simgen.core.spec import CameraSpec
from simgen.render.passes.coverage import Amodal, CoverageRequest

BILINEAR = ("color",)  # arrays blended between source pixels; all others take the nearest one


def source_camera(cam: CameraSpec) -> CameraSpec:
    """The pinhole camera ``cam``'s arrays are drawn with (``cam`` itself without a lens)."""
    if cam.lens is None:
        return cam
    view = lens_view(cam.lens, cam.K, cam.width, cam.height)
    return replace(cam, K=view.K, width=view.size[0], height=view.size[1], lens=None)


def through_lens(cam: CameraSpec, name: str, array: Any) -> Any:
    """Source-view ``array`` of pass ``name`` as ``cam`` (with a lens) sees it."""
    view = lens_view(cam.lens, cam.K, cam.width, cam.height)
    if name == "coverage":
        return {iid: _amodal_through(cam, amodal) for iid, amodal in array.items()}
    if name in BILINEAR:
        return view.bilinear(array)
    return view.nearest(array)


def _amodal_through(cam: CameraSpec, amodal: Amodal) -> Amodal:
    """A body's source-view :class:`Amodal` (with its in-view mask) on the lens image: the mask
    and in-image count on the image's pixels; the whole extent scaled so that the share cut off
    is the share of the body's source-view silhouette outside the image's footprint (past the
    image border a lens has no pixel grid to count on). ``bbox``: the in-image mask's box."""
    view = lens_view(cam.lens, cam.K, cam.width, cam.height)
    mask = view.nearest(amodal.mask, fill=False)
    in_image = int(np.count_nonzero(mask))
    if in_image == 0:
        return Amodal(full_area=0, in_image=0, bbox=None, mask=mask)
    seen = int(np.count_nonzero(amodal.mask & footprint(cam.lens, cam.K, cam.width, cam.height)))
    full = in_image if seen == 0 else max(in_image, int(round(in_image * amodal.full_area / seen)))
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    bbox = [float(cols[0]), float(rows[0]), float(cols[-1] + 1 - cols[0]), float(rows[-1] + 1 - rows[0])]
    return Amodal(full_area=full, in_image=in_image, bbox=bbox, mask=mask)


def render_view(render: Callable[..., dict[str, Any]], cam: CameraSpec, passes: Collection[str],
                coverage: CoverageRequest | None = None) -> dict[str, Any]:
    """``render(camera, passes, coverage=...)`` (a :meth:`Renderer.render`) for ``cam``: directly
    for a pinhole, else of its source camera and through the lens. A lens's coverage request
    (boxes on the source view, from the label plan) always takes masks: they are what is
    remapped; they are kept only where the request asked for them."""
    if cam.lens is None:
        return render(cam, passes, coverage=coverage)
    asked = coverage is not None and coverage.masks
    request = None if coverage is None else replace(coverage, masks=True)
    arrays = render(source_camera(cam), passes, coverage=request)
    out = {name: through_lens(cam, name, array) for name, array in arrays.items()}
    if "coverage" in out and not asked:
        out["coverage"] = {iid: replace(a, mask=None) for iid, a in out["coverage"].items()}
    return out
