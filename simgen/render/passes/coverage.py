"""The coverage pass: unoccluded silhouettes of many bodies, for amodal labels.

Depth testing is off and the colour target is ``GL_RGBA32UI`` with ``glLogicOp(GL_OR)``, so
every fragment of body k sets bit k of its pixel whatever is in front of it: one draw and one
read-back give up to 128 bodies' amodal masks. The vertex stage is pyrender's own segmentation
shader with the same camera and model matrices as the id pass, so each body covers exactly the
pixels it would cover alone in the id pass (same grid, same coverage rule): visible pixels are
a subset of amodal ones and the ratios are exact pixel counts.

The label stage says which bodies need it (a :class:`CoverageRequest`: bodies that something
may hide or the border cuts, with a whole-pixel box holding each projection). Bodies cut by the
border get more draws over the unbounded image plane beyond it, on viewports shifted by whole
pixels (same grid), shared by every body reaching that region. The pass returns each body's
:class:`Amodal` extent.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from OpenGL import GL as gl

from simgen.core.spec import CameraSpec
from simgen.render.passes.base import RenderPass, register_pass

BITS_PER_PASS = 128  # 4 channels x 32 bits
FRAGMENT = str(Path(__file__).parents[1] / "shaders" / "coverage.frag")
CANVAS_MARGIN = 2  # the unbounded plane is cut at this many image sizes past each border


@dataclass
class CoverageRequest:
    """The bodies whose amodal extent a view needs: ``boxes`` instance id -> whole-pixel box
    (x0, y0, x1, y1) on the image plane holding its projection (may leave the image);
    ``masks``: also return each body's in-image amodal mask."""

    boxes: dict[int, tuple[int, int, int, int]]
    masks: bool


@dataclass
class Amodal:
    """full_area: pixels on the (capped) image plane; in_image: of those, inside the image;
    bbox: ``[x, y, w, h]`` on the image plane (may leave the image); mask: (H, W) bool in-image
    part when asked for."""

    full_area: int
    in_image: int
    bbox: list[float] | None
    mask: np.ndarray | None


class _Extent:
    """Running pixel count and whole-pixel bounds of one body over several viewports."""

    def __init__(self) -> None:
        self.full = self.inside = 0
        self.lo = np.array([np.inf, np.inf])
        self.hi = np.array([-np.inf, -np.inf])

    def add(self, m: np.ndarray, x: int, y: int, in_image: bool) -> None:
        """Count mask ``m`` (h, w) bool whose top-left is plane pixel (x, y)."""
        n = int(np.count_nonzero(m))
        if n == 0:
            return
        self.full += n
        if in_image:
            self.inside += n
        rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
        self.lo = np.minimum(self.lo, [x + cols[0], y + rows[0]])
        self.hi = np.maximum(self.hi, [x + cols[-1] + 1, y + rows[-1] + 1])

    def result(self, mask: np.ndarray | None) -> Amodal:
        bbox = None if self.full == 0 else [float(self.lo[0]), float(self.lo[1]),
                                            float(self.hi[0] - self.lo[0]), float(self.hi[1] - self.lo[1])]
        return Amodal(full_area=self.full, in_image=self.inside, bbox=bbox, mask=mask)


def _bit(words: np.ndarray, k: int) -> np.ndarray:
    """Bool mask of bit ``k`` of (h, w, 4) uint32 coverage words."""
    return (words[..., k // 32] >> np.uint32(k % 32)) & np.uint32(1) != 0


def _clip(box, rect):
    """Intersection of whole-pixel boxes (x0, y0, x1, y1), or None when empty."""
    x0, y0 = max(box[0], rect[0]), max(box[1], rect[1])
    x1, y1 = min(box[2], rect[2]), min(box[3], rect[3])
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def _outer_cells(W: int, H: int):
    """Image-sized cells of the capped plane around the image, as (x0, y0, x1, y1)."""
    for j in range(-CANVAS_MARGIN, CANVAS_MARGIN + 1):
        for i in range(-CANVAS_MARGIN, CANVAS_MARGIN + 1):
            if i or j:
                yield i * W, j * H, (i + 1) * W, (j + 1) * H


def _vertex_defines(primitive) -> dict[str, int]:
    """Attribute locations pyrender binds for ``primitive`` (its buffer layout, in order)."""
    from pyrender.constants import BufFlags

    defines, loc = {}, 1
    for flag, name in ((BufFlags.NORMAL, "NORMAL_LOC"), (BufFlags.TANGENT, "TANGENT_LOC"),
                       (BufFlags.TEXCOORD_0, "TEXCOORD_0_LOC"), (BufFlags.TEXCOORD_1, "TEXCOORD_1_LOC"),
                       (BufFlags.COLOR_0, "COLOR_0_LOC"), (BufFlags.JOINTS_0, "JOINTS_0_LOC"),
                       (BufFlags.WEIGHTS_0, "WEIGHTS_0_LOC")):
        if primitive.buf_flags & flag:
            defines[name] = loc
            loc += 1
    defines["INST_M_LOC"] = loc
    return defines


class CoverageTarget:
    """A ``GL_RGBA32UI`` framebuffer of the renderer's size and the draw into it."""

    def __init__(self, width: int, height: int, program_cache, gl_wait) -> None:
        self.width, self.height = width, height
        self.gl_wait = gl_wait  # a framebuffers.GLWait
        self._programs = program_cache
        self._locations: dict[int, tuple[int, int, int, int]] = {}  # program id -> V, P, M, bit
        self.fbo = gl.glGenFramebuffers(1)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)
        rb = gl.glGenRenderbuffers(1)
        gl.glBindRenderbuffer(gl.GL_RENDERBUFFER, rb)
        gl.glRenderbufferStorage(gl.GL_RENDERBUFFER, gl.GL_RGBA32UI, width, height)
        gl.glFramebufferRenderbuffer(gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_RENDERBUFFER, rb)
        status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
        if status != gl.GL_FRAMEBUFFER_COMPLETE:
            raise RuntimeError(f"OpenGL coverage framebuffer incomplete (status {status:#x})")

    def _uniform_locations(self, program_id: int) -> tuple[int, int, int, int]:
        """Locations of ``V``, ``P``, ``M`` and ``bit`` in a program, looked up once."""
        loc = self._locations.get(program_id)
        if loc is None:
            loc = self._locations[program_id] = tuple(gl.glGetUniformLocation(program_id, name)
                                                      for name in ("V", "P", "M", "bit"))
        return loc

    def draw(self, items, V: np.ndarray, P: np.ndarray, viewport: tuple[int, int]) -> np.ndarray:
        """Draw ``items`` = [(bit index < 128, pose (4, 4), pyrender Mesh)] with view ``V`` and
        projection ``P`` on a viewport (w, h) at the target's origin; returns the (h, w, 4)
        uint32 words, rows top to bottom."""
        w, h = viewport
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)
        gl.glViewport(0, 0, w, h)
        gl.glClearBufferuiv(gl.GL_COLOR, 0, np.zeros(4, np.uint32))
        gl.glDisable(gl.GL_DEPTH_TEST)
        gl.glDisable(gl.GL_BLEND)
        gl.glDisable(gl.GL_MULTISAMPLE)
        gl.glEnable(gl.GL_CULL_FACE)  # as pyrender's id pass: closed meshes cover the same pixels
        gl.glCullFace(gl.GL_BACK)
        gl.glPolygonMode(gl.GL_FRONT_AND_BACK, gl.GL_FILL)
        gl.glEnable(gl.GL_COLOR_LOGIC_OP)
        gl.glLogicOp(gl.GL_OR)
        bound = None
        for bit, pose, mesh in items:
            word = np.zeros(4, np.uint32)
            word[bit // 32] = np.uint32(1) << np.uint32(bit % 32)
            for primitive in mesh.primitives:
                program = self._programs.get_program("segmentation.vert", FRAGMENT, defines=_vertex_defines(primitive))
                if program._program_id is None:  # compiled on first use, as pyrender does
                    program._add_to_context()
                if program is not bound:
                    program._bind()
                    loc_v, loc_p, loc_m, loc_bit = self._uniform_locations(program._program_id)
                    gl.glUniformMatrix4fv(loc_v, 1, gl.GL_TRUE, V.astype(np.float32))
                    gl.glUniformMatrix4fv(loc_p, 1, gl.GL_TRUE, P.astype(np.float32))
                    bound = program
                gl.glUniformMatrix4fv(loc_m, 1, gl.GL_TRUE, pose.astype(np.float32))
                gl.glUniform4uiv(loc_bit, 1, word)
                primitive._bind()  # the next bind replaces it: unbound once, after the loop
                n = 1 if primitive.poses is None else len(primitive.poses)
                if primitive.indices is not None:
                    gl.glDrawElementsInstanced(primitive.mode, primitive.indices.size, gl.GL_UNSIGNED_INT,
                                               ctypes.c_void_p(0), n)
                else:  # flat-shaded meshes come unindexed
                    gl.glDrawArraysInstanced(primitive.mode, 0, len(primitive.positions), n)
        if bound is not None:
            gl.glBindVertexArray(0)
            bound._unbind()
        gl.glDisable(gl.GL_COLOR_LOGIC_OP)
        gl.glEnable(gl.GL_DEPTH_TEST)
        self.gl_wait.finish()
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self.fbo)
        words = np.frombuffer(gl.glReadPixels(0, 0, w, h, gl.GL_RGBA_INTEGER, gl.GL_UNSIGNED_INT), np.uint32)
        return words.reshape(h, w, 4)[::-1]


@register_pass
class Coverage(RenderPass):
    """``coverage``: instance id -> :class:`Amodal`, for the bodies of a :class:`CoverageRequest`."""

    provides, order = ("coverage",), 2

    def __init__(self, renderer) -> None:
        super().__init__(renderer)
        self._target = CoverageTarget(renderer.width, renderer.height, renderer.gl._program_cache,
                                      renderer.targets.gl_wait)

    def words(self, instance_ids: list[int], cam: CameraSpec, offset=(0, 0), size=None) -> np.ndarray:
        """Unoccluded silhouettes of up to 128 bodies in one draw: (h, w, 4) uint32 words in
        which bit k (word k // 32, bit k % 32) is set where body ``instance_ids[k]`` covers the
        pixel, on a viewport of ``size`` = (w, h) whose top-left is image pixel ``offset``."""
        r = self.renderer
        size = tuple(size or (r.width, r.height))
        if size[0] > r.width or size[1] > r.height:
            raise ValueError(f"viewport {size} larger than the renderer's {r.width}x{r.height}")
        r.aim(cam, offset, sort=False)
        r.gl.viewport_width, r.gl.viewport_height = size
        V, P = r.gl._get_camera_matrices(r.scene)
        items = [(k, r.scene.get_pose(r.nodes[iid]), r.nodes[iid].mesh) for k, iid in enumerate(instance_ids)]
        return self._target.draw(items, V, P, size)

    def draw(self, cam: CameraSpec, request: CoverageRequest | None = None) -> dict[str, dict[int, Amodal]]:
        if request is None or not request.boxes:
            return {"coverage": {}}
        return {"coverage": self._extents(cam, request.boxes, request.masks)}

    def _extents(self, cam: CameraSpec, pboxes: dict[int, tuple[int, int, int, int]], want_masks: bool) -> dict[int, Amodal]:
        """Amodal extent of each body in ``pboxes``, with in-image masks when ``want_masks``."""
        W, H = cam.width, cam.height
        ids = list(pboxes)
        extents = {iid: _Extent() for iid in ids}
        masks = {iid: np.zeros((H, W), bool) for iid in ids} if want_masks else {}
        for start in range(0, len(ids), BITS_PER_PASS):
            group = ids[start:start + BITS_PER_PASS]
            words = self.words(group, cam)
            for k, iid in enumerate(group):
                box = _clip(pboxes[iid], (0, 0, W, H))
                if box is None:
                    continue
                x0, y0, x1, y1 = box
                m = _bit(words[y0:y1, x0:x1], k)
                extents[iid].add(m, x0, y0, in_image=True)
                if want_masks:
                    masks[iid][y0:y1, x0:x1] = m
            cut = [(k, iid) for k, iid in enumerate(group) if _clip(pboxes[iid], (0, 0, W, H)) != tuple(pboxes[iid])]
            for cell in _outer_cells(W, H) if cut else ():
                here = [(k, iid, b) for k, iid in cut if (b := _clip(pboxes[iid], cell)) is not None]
                if not here:
                    continue
                rx0, ry0 = min(b[0] for *_, b in here), min(b[1] for *_, b in here)
                rx1, ry1 = max(b[2] for *_, b in here), max(b[3] for *_, b in here)
                words = self.words([iid for _, iid, _ in here], cam, (rx0, ry0), (rx1 - rx0, ry1 - ry0))
                for bit, (_, iid, b) in enumerate(here):
                    m = _bit(words[b[1] - ry0:b[3] - ry0, b[0] - rx0:b[2] - rx0], bit)
                    extents[iid].add(m, b[0], b[1], in_image=False)
        return {iid: extents[iid].result(masks.get(iid)) for iid in ids}
