"""User meshes (assets.dirs): folder rule, assets.yaml, textures, collision shapes, bad files."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import trimesh
from helpers import config_error
from mesh_fixtures import BLUE, RED, make_parts, u_channel
from PIL import Image
from scipy.spatial.transform import Rotation

from simgen.assets.collision import content_key, part_count
from simgen.assets.geometry import has_texture, load_asset
from simgen.assets.user import _scan, apply_user_assets, scan
from simgen.config.schema import AssetsConfig, PhysicsConfig
from simgen.core.errors import AssetError, ConfigError
from simgen.core.spec import AssetRef, BodySpec, LightSpec, Material, SceneSpec, Texture
from simgen.physics.state import posed_state
from simgen.physics.world import PhysicsWorld, pb
from simgen.scenes.tabletop.schema import TabletopSceneConfig

FLOOR = 0.015  # bin floor top in the settling tests, metres


def _pose(position, rotation=None) -> np.ndarray:
    T = np.eye(4)
    if rotation is not None:
        T[:3, :3] = rotation
    T[:3, 3] = position
    return T


def _ref(asset) -> AssetRef:
    return AssetRef(kind="mesh", path=asset.path, scale=asset.scale, collision=asset.collision)


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """The OBJ/STL/GLB folder plus the concave channel, scanned once with a private cache."""
    root = tmp_path_factory.mktemp("user")
    folder = make_parts(root / "parts", concave=True)
    cfg = AssetsConfig(dirs=[str(folder)], cache_dir=str(tmp_path_factory.getbasetemp() / "simgen-cache"))  # shared with test_bop
    return cfg, {a.category: a for a in scan(cfg)}


def test_folder_becomes_categories_with_yaml_settings(parts):
    cfg, found = parts
    assert list(found) == ["block", "channel", "peg_mm", "tile"]  # by file name; peg renamed
    peg = found["peg_mm"]
    assert peg.scale == pytest.approx(0.001) and peg.mass == 0.02 and peg.friction == 0.5
    np.testing.assert_allclose(load_asset(_ref(peg)).mesh.extents, [0.03, 0.03, 0.04], atol=1e-9)  # mm -> m
    # replaces a scene's own asset list, category ids in folder order
    scene = apply_user_assets(TabletopSceneConfig(), cfg)
    assert [e.category for e in scene.assets] == list(found)
    assert scene.assets[2].scale == pytest.approx(0.001) and scene.assets[1].collision == found["channel"].collision


def test_user_meshes_render_with_their_texture(parts, renderer):
    """OBJ, STL and GLB side by side all render; the GLB's own checker texture shows."""
    from helpers import make_camera

    _, found = parts
    bodies = []
    for k, name in enumerate(["block", "peg_mm", "tile"]):
        ref = _ref(found[name])
        textured = has_texture(load_asset(ref).mesh)
        assert textured == (name == "tile")
        material = Material(base_color=(1.0, 1.0, 1.0, 1.0), texture=Texture(kind="asset") if textured else None)
        bodies.append(BodySpec(instance_id=k + 1, asset=ref, pose=_pose([0.06 * (k - 1), 0.0, 0.0]), category=name, material=material))
    light = LightSpec(kind="directional", color=(1.0, 1.0, 1.0), intensity=4.0, pose=_pose([0, 0, 1], Rotation.from_euler("x", 30, degrees=True).as_matrix()))
    spec = SceneSpec(index=0, seed=0, bodies=bodies, lights=[light], ambient=(1.0, 1.0, 1.0))
    cam = make_camera([0.0, -0.18, 0.12], [0.0, 0.0, 0.0], fov_y=45.0)
    renderer.load(posed_state(spec))
    passes = renderer.render(cam, ("color", "ids", "depth"))
    counts = np.bincount(passes["ids"].ravel(), minlength=4)
    assert all(counts[k] > 300 for k in (1, 2, 3))
    tile = passes["color"][passes["ids"] == 3].astype(int)
    reddish = (tile[:, 0] > tile[:, 2] + 40).mean()
    bluish = (tile[:, 2] > tile[:, 0] + 40).mean()
    assert reddish > 0.2 and bluish > 0.2  # both checker colours of the file's texture
    block = passes["color"][passes["ids"] == 1].astype(int)
    assert np.abs(block[:, 0] - block[:, 2]).mean() < 10  # untextured: grey-white, no checker
    assert RED != BLUE


def test_concave_mesh_gets_cached_aligned_decomposition(parts):
    cfg, found = parts
    assert found["block"].collision == "" and found["peg_mm"].collision == "" and found["tile"].collision == ""
    path = Path(found["channel"].collision)
    assert path.is_file() and part_count(path) >= 3  # a U needs at least its base and two arms
    assert path.stem == content_key(trimesh.Trimesh(*_vf(found["channel"].path), process=True))
    # aligned: the parts fill the visual mesh's box, in the same frame and units
    parts_mesh = trimesh.load(path, force="mesh")
    np.testing.assert_allclose(parts_mesh.bounds, load_asset(_ref(found["channel"])).bounds, atol=0.003)
    # cached on disk: a fresh scan reuses the file instead of decomposing again
    stamp = path.stat().st_mtime_ns
    _scan.cache_clear()
    again = {a.category: a for a in scan(cfg)}
    assert again["channel"].collision == str(path) and path.stat().st_mtime_ns == stamp


def _vf(path):
    mesh = trimesh.load(path, force="mesh", process=True)
    return mesh.vertices, mesh.faces


def _settle_channel_with_ball(collision: str, mesh_path: str):
    """A U-channel lying groove up on a floor slab with a small ball dropped into the groove;
    returns (world, state, channel asset)."""
    channel = AssetRef(kind="mesh", path=mesh_path, collision=collision)
    up = Rotation.from_euler("x", 90, degrees=True).as_matrix()  # the U's arms point up
    bodies = [
        BodySpec(1, AssetRef(kind="primitive", shape="box", size=(0.4, 0.3, FLOOR)), _pose([0, 0, FLOOR / 2]), static=True),
        BodySpec(2, channel, _pose([0.0, 0.0, FLOOR + 0.03], up), category="channel"),
        BodySpec(3, AssetRef(kind="primitive", shape="sphere", size=(0.012,)), _pose([0.0, 0.0, FLOOR + 0.1]), category="ball"),
    ]
    world = PhysicsWorld()
    state = world.simulate(SceneSpec(index=0, seed=0, bodies=bodies), PhysicsConfig())
    return world, state, load_asset(channel)


def test_concave_mesh_settles_stably_and_holds_in_its_groove(parts):
    _, found = parts
    world, state, channel = _settle_channel_with_ball(found["channel"].collision, found["channel"].path)
    try:
        assert state.resting
        # no sinking: the channel's lowest visual point rests on the floor (within 2 mm)
        assert abs(state.lowest_point(2) - FLOOR) < 0.002
        # the ball lies in the groove (base 1 cm thick, ball radius 12 mm), not on the arms
        assert state.poses[3][2, 3] < FLOOR + 0.01 + 0.012 + 0.005
        # no jitter: 240 more steps (1 s) move nothing by more than 0.2 mm or 0.2 degrees
        before = {i: world.link_pose(i) for i in (2, 3)}
        for _ in range(240):
            pb.stepSimulation(physicsClientId=world.client)
        for i in (2, 3):
            after = world.link_pose(i)
            assert np.abs(after[:3, 3] - before[i][:3, 3]).max() < 2e-4
            angle = Rotation.from_matrix(after[:3, :3] @ before[i][:3, :3].T).magnitude()
            assert np.rad2deg(angle) < 0.2
    finally:
        world.close()
    # the convex hull alone would hold the ball up on the arms: the decomposition is what works
    world, state, _ = _settle_channel_with_ball("", found["channel"].path)
    world.close()
    assert state.poses[3][2, 3] > FLOOR + 0.04


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "meshes"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _box_obj() -> bytes:
    return trimesh.creation.box(extents=(0.03, 0.03, 0.03)).export(file_type="obj").encode()


BAD_MESHES = {
    "corrupt.glb": (b"glTF\x02\x00\x00\x00 not really a binary glTF", "cannot load mesh"),
    "empty.stl": (b"", "no triangles"),
    "nothing.obj": (b"# an OBJ without faces\nv 0 0 0\n", "no triangles"),
    "flat.obj": (b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf 1 2 3\nf 2 4 3\n", "degenerate"),
}


@pytest.mark.parametrize("name", sorted(BAD_MESHES))
def test_invalid_mesh_is_a_one_line_error_naming_the_file(tmp_path, name):
    data, why = BAD_MESHES[name]
    folder = _folder(tmp_path, {"good.obj": _box_obj(), name: data})
    with pytest.raises(AssetError) as err:
        scan(AssetsConfig(dirs=[str(folder)], cache_dir=str(tmp_path / "cache")))
    message = str(err.value)
    assert "\n" not in message and str(folder / name) in message and why in message


def test_skip_invalid_warns_and_keeps_the_rest(tmp_path, caplog):
    folder = _folder(tmp_path, {"good.obj": _box_obj(), **{n: d for n, (d, _) in BAD_MESHES.items()}})
    with caplog.at_level(logging.WARNING, logger="simgen.assets"):
        found = scan(AssetsConfig(dirs=[str(folder)], skip_invalid=True, cache_dir=str(tmp_path / "cache")))
    assert [a.category for a in found] == ["good"]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sorted(Path(m.split(": ")[1]).name for m in warned) == sorted(BAD_MESHES)


def test_folder_without_usable_mesh_is_an_error(tmp_path):
    folder = _folder(tmp_path, {"notes.txt": b"no meshes here", "flat.obj": BAD_MESHES["flat.obj"][0]})
    with pytest.raises(AssetError, match="no usable mesh"):
        scan(AssetsConfig(dirs=[str(folder)], skip_invalid=True))
    with pytest.raises(ConfigError, match="assets.dirs"):
        scan(AssetsConfig(dirs=[str(tmp_path / "missing")]))


def test_subfolder_is_one_category_and_must_name_its_mesh(tmp_path):
    folder = tmp_path / "meshes"
    (folder / "gear" / "lod").mkdir(parents=True)
    (folder / "gear" / "gear.obj").write_bytes(_box_obj())
    (folder / "single").mkdir()
    (folder / "single" / "part.obj").write_bytes(_box_obj())
    (folder / "gear" / "lod" / "gear_low.obj").write_bytes(_box_obj())
    with pytest.raises(AssetError, match=r"gear: holds 2 meshes.*objects\.gear\.file"):
        scan(AssetsConfig(dirs=[str(folder)]))
    (folder / "assets.yaml").write_text("objects:\n  gaer: {file: lod/gear_low.obj}\n")
    with pytest.raises(ConfigError, match="objects.gaer names no mesh file or sub-folder"):
        scan(AssetsConfig(dirs=[str(folder)]))
    (folder / "assets.yaml").write_text("objects:\n  gear: {file: lod/gear_low.obj}\n")
    found = scan(AssetsConfig(dirs=[str(folder)]))
    assert [(a.category, Path(a.path).name) for a in found] == [("gear", "gear_low.obj"), ("single", "part.obj")]


def test_job_with_a_corrupt_mesh_is_a_one_line_error_and_no_dataset(tmp_path):
    """The job's checks (what ``simgen`` runs before it creates anything; its exit status and
    stderr are tested once, in test_dataset.py)."""
    folder = _folder(tmp_path, {"good.obj": _box_obj(), "broken.glb": BAD_MESHES["corrupt.glb"][0]})
    out = tmp_path / "dataset"
    message = config_error("scene=bin_picking", f"assets.dirs=[{folder}]", "frames=2", "export=bop",
                           f"output_dir={out}", f"assets.cache_dir={tmp_path / 'cache'}", error=AssetError)
    assert str(folder / "broken.glb") in message
    assert not out.exists() and not (tmp_path / "outputs").exists()


def test_u_channel_fixture_is_concave():
    mesh = u_channel()
    assert mesh.is_volume and mesh.volume == pytest.approx(0.5 * mesh.convex_hull.volume)


@pytest.mark.parametrize("with_png", [False, True])
def test_mtl_naming_a_missing_texture_warns(tmp_path, caplog, with_png):
    """An MTL pointing at a missing PNG was accepted silently (the part rendered untextured)."""
    obj = b"mtllib gear.mtl\nusemtl skin\n" + _box_obj()
    files = {"gear.obj": obj, "gear.mtl": b"newmtl skin\nKd 1 1 1\nmap_Kd -s 1 1 1 textures/gear.png\n"}
    folder = _folder(tmp_path, files)
    if with_png:
        (folder / "textures").mkdir()
        Image.fromarray(np.full((4, 4, 3), 200, np.uint8)).save(folder / "textures/gear.png")
    with caplog.at_level(logging.WARNING, logger="simgen.assets"):
        found = scan(AssetsConfig(dirs=[str(folder)], cache_dir=str(tmp_path / "cache")))
    assert [a.category for a in found] == ["gear"]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == ([] if with_png else [
        f"{folder / 'gear.mtl'} names texture textures/gear.png, which does not exist: the mesh is drawn without "
        "its texture"])


def test_first_decomposition_shows_a_progress_bar_and_a_cached_one_none(tmp_path, capsys):
    """The first run with concave meshes was silent for about 25 s while they were decomposed."""
    folder = _folder(tmp_path, {"block.obj": _box_obj()})
    u_channel().export(folder / "channel.obj")
    cfg = AssetsConfig(dirs=[str(folder)], cache_dir=str(tmp_path / "cache"))
    _scan.cache_clear()
    first = {a.category: a for a in scan(cfg)}
    err = capsys.readouterr().err
    assert "simgen: convex decomposition of concave meshes (cached for later runs)" in err
    assert "1/1" in err and "channel.obj" in err
    assert first["channel"].collision and not first["block"].collision
    _scan.cache_clear()
    again = {a.category: a for a in scan(cfg)}
    assert again == first and "convex decomposition" not in capsys.readouterr().err


def test_a_ply_keeps_its_own_vertex_colours(tmp_path, renderer):
    """A PLY's vertex colours were dropped at load (it rendered in the randomizer's colour)."""
    from helpers import make_camera

    from simgen.assets.geometry import has_own_colours
    from simgen.config.schema import MaterialsConfig, TexturesConfig
    from simgen.randomizers.materials import textured_look

    box = trimesh.creation.box(extents=(0.06, 0.06, 0.06)).subdivide().subdivide()
    box.visual.vertex_colors = np.where(box.vertices[:, :1] < 0, [[230, 20, 20, 255]], [[20, 20, 230, 255]]).astype(np.uint8)
    path = tmp_path / "painted.ply"
    box.export(path)
    ref = AssetRef(kind="mesh", path=str(path))
    assert has_own_colours(load_asset(ref).mesh)
    material = textured_look(np.random.default_rng(0), ref, TexturesConfig(), MaterialsConfig())
    assert material.base_color == (1.0, 1.0, 1.0, 1.0) and material.texture is None  # the file's colours show
    light = LightSpec(kind="directional", color=(1.0, 1.0, 1.0), intensity=4.0, pose=_pose([0, 0, 1]))
    spec = SceneSpec(index=0, seed=0, bodies=[BodySpec(instance_id=1, asset=ref, pose=_pose([0, 0, 0]), category="painted",
                                                       material=material)], lights=[light], ambient=(1.0, 1.0, 1.0))
    renderer.load(posed_state(spec))
    passes = renderer.render(make_camera([0.0, -0.2, 0.15], [0.0, 0.0, 0.0], fov_y=45.0), ("color", "ids", "depth"))
    colour, ids = passes["color"].astype(int), passes["ids"]
    cols = np.nonzero(ids.any(axis=0))[0]
    left = colour[:, cols[0]:cols[0] + (cols[-1] - cols[0]) // 3][ids[:, cols[0]:cols[0] + (cols[-1] - cols[0]) // 3] == 1]
    right = colour[:, cols[-1] - (cols[-1] - cols[0]) // 3:cols[-1]][ids[:, cols[-1] - (cols[-1] - cols[0]) // 3:cols[-1]] == 1]
    assert (left[:, 0] > left[:, 2] + 40).mean() > 0.8 and (right[:, 2] > right[:, 0] + 40).mean() > 0.8
