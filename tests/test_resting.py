"""Resting poses and footprints: what placement at rest is built on."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from simgen.assets.geometry import load_asset
from simgen.assets.resting import resting_poses
from simgen.core.spec import AssetRef
from simgen.randomizers.placement import Support, apart, convex_polygon

PRIMITIVES = [("box", (0.12, 0.05, 0.03)), ("cylinder", (0.03, 0.12)), ("cone", (0.04, 0.1)),
              ("capsule", (0.02, 0.08)), ("sphere", (0.04,))]


@pytest.mark.parametrize("shape,size", PRIMITIVES)
def test_primitive_resting_poses_put_a_face_or_side_on_the_support(shape, size):
    asset = load_asset(AssetRef(kind="primitive", shape=shape, size=size))
    poses = resting_poses(asset)
    assert np.isclose(poses.probabilities.sum(), 1.0) and np.all(poses.probabilities > 0)
    rng = np.random.default_rng(0)
    for _ in range(20):
        R = poses.draw(rng)
        assert np.allclose(R @ R.T, np.eye(3), atol=1e-9) and np.isclose(np.linalg.det(R), 1.0)
        z = asset.vertices @ R[2]
        touching = asset.vertices[z < z.min() + 1e-4]
        # A face (or a side line of a round body) lies on the plane, the centre of mass above it:
        # the centre's foot lies within the contact, which is what makes the pose a rest.
        com = asset.center_of_mass @ R.T
        contact = touching @ R.T
        if shape == "sphere":
            assert len(contact) >= 1
            continue
        assert len(contact) >= 2
        # (round bodies are drawn as polygons rolled any angle: their lowest edge may be a few
        # millimetres beside the line under the centre)
        lo, hi = contact[:, :2].min(axis=0) - 0.003, contact[:, :2].max(axis=0) + 0.003
        assert np.all(com[:2] >= lo) and np.all(com[:2] <= hi)


def test_box_lies_flat_most_often():
    asset = load_asset(AssetRef(kind="primitive", shape="box", size=(0.2, 0.1, 0.02)))
    poses = resting_poses(asset)
    down = [np.argmax(np.abs(R.T @ [0, 0, -1])) for R in poses.rotations]
    flat = sum(p for p, axis in zip(poses.probabilities, down, strict=True) if axis == 2)
    assert flat > 0.6  # a flat slab rests on a large face far more often than on an edge


def test_mesh_resting_poses_match_trimesh_on_the_hull(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMGEN_CACHE_DIR", str(tmp_path))
    mesh = trimesh.creation.box(extents=(0.1, 0.06, 0.02))
    path = tmp_path / "slab.stl"
    mesh.export(path)
    asset = load_asset(AssetRef(kind="mesh", path=str(path)))
    first = resting_poses(asset)
    assert len(first.rotations) == 6 and list((tmp_path / "resting").glob("*.npz"))
    from simgen.assets import resting

    resting._file_poses.cache_clear()
    again = resting_poses(asset)  # read back from the disk cache
    np.testing.assert_array_equal(first.rotations, again.rotations)
    np.testing.assert_array_equal(first.probabilities, again.probabilities)


def test_separating_axis_test_on_footprints():
    square = convex_polygon(np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]], float))
    assert len(square) == 4
    assert apart(square, square + [1.01, 0], margin=0.005)
    assert not apart(square, square + [1.004, 0], margin=0.005)
    assert not apart(square, square + [0.5, 0.5], margin=0.0)
    diamond = convex_polygon(np.array([[0, -1], [1, 0], [0, 1], [-1, 0]], float)) * 0.5 + [1.6, 1.6]
    assert apart(square, diamond, margin=0.01)  # corner to corner: boxes overlap, shapes do not


def test_support_keeps_footprints_inside_and_apart():
    rng = np.random.default_rng(3)
    support = Support(z=0.7, half=np.array([0.3, 0.2]), margin=0.003)
    asset = load_asset(AssetRef(kind="primitive", shape="box", size=(0.08, 0.05, 0.04)))
    poses = [p for _ in range(30) if (p := support.place(rng, asset)) is not None]
    assert len(poses) >= 10
    for T in poses:
        v = asset.vertices @ T[:3, :3].T + T[:3, 3]
        assert np.isclose(v[:, 2].min(), 0.7) and np.all(np.abs(v[:, :2]) <= [0.3 + 1e-9, 0.2 + 1e-9])
    polys = [p for p, _, _ in support.footprints]
    for i in range(len(polys)):
        for j in range(i):
            assert apart(polys[i], polys[j], 0.003 - 1e-9)
