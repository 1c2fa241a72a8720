"""The renderer puts points where K says, also off-centre and on shifted viewports (amodal).

Found through the BOP export: objects cut by the top or bottom image border had their
amodal silhouette (BOP mask/, px_count_all) drawn on a viewport shifted the wrong way.
"""

from __future__ import annotations

import numpy as np
from helpers import HEIGHT, WIDTH, make_box, make_camera, make_spec, translation

from simgen.core.camera import project, world_to_camera
from simgen.physics.state import posed_state

SIDE = 0.02  # metres: a small box seen from 1 m


def _alone(renderer, cam, offset) -> np.ndarray:
    """Body 1's unoccluded silhouette on an image-sized viewport whose top-left is ``offset``."""
    return (renderer.pass_named("coverage").words([1], cam, offset)[..., 0] & 1) > 0


def _centre_pixel(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean() + 0.5, ys.mean() + 0.5])  # pixel centres at integer + 0.5


def test_off_centre_principal_point_places_the_point_where_K_projects_it(renderer):
    K = np.array([[300.0, 0.0, WIDTH / 2 + 37.0], [0.0, 300.0, HEIGHT / 2 - 29.0], [0.0, 0.0, 1.0]])
    cam = make_camera([0.0, 0.0, 1.0], [0.0, 0.0, 0.0], K=K)
    for x, y in [(0.0, 0.0), (0.15, -0.1), (-0.2, 0.12)]:
        renderer.load(posed_state(make_spec([make_box(1, (SIDE, SIDE, SIDE), translation(x, y, 0.0))], [cam])))
        ids = renderer.render(cam, ("ids",))["ids"]
        expected = project(K, (world_to_camera(cam.cam_to_world) @ [x, y, 0.0, 1.0])[None, :3])[0]
        np.testing.assert_allclose(_centre_pixel(ids == 1), expected, atol=0.5)


def test_shifted_viewport_continues_the_image_plane(renderer):
    """A box cut by the top border: the viewport one image height up shows the rest of it,
    so both parts join into the whole silhouette seen from a camera aimed to show it all."""
    cam = make_camera([0.0, 0.0, 1.0], [0.0, 0.0, 0.0])
    renderer.load(posed_state(make_spec([make_box(1, (0.1, 0.1, 0.1), translation(0.0, 0.5, 0.0))], [cam])))
    inside = _alone(renderer, cam, (0, 0))
    above = _alone(renderer, cam, (0, -HEIGHT))
    assert inside[0].any() and above[-1].any()  # cut by the border, continued past it
    joined = np.vstack([above, inside])
    # the same image plane with a principal point one image height lower shows it whole
    K = cam.K.copy()
    K[1, 2] += HEIGHT
    tall = make_camera([0.0, 0.0, 1.0], [0.0, 0.0, 0.0], K=K)
    whole = np.vstack([_alone(renderer, tall, (0, 0)), _alone(renderer, tall, (0, HEIGHT))])
    np.testing.assert_array_equal(joined, whole)
    rows = np.nonzero(joined.any(axis=1))[0]
    assert rows.min() > 0 and rows.max() < 2 * HEIGHT - 1 and np.all(np.diff(rows) == 1)
