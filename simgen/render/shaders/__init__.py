"""simgen's own GLSL shaders, used in place of pyrender's where ``renderer.shading=fast``."""

from __future__ import annotations

from pathlib import Path

SHADER_DIR = Path(__file__).parent


def shader_cache(shading: str):
    """A pyrender program cache that draws surfaces with ``shading``: ``pbr`` is pyrender's
    metallic-roughness BRDF, ``fast`` simgen's Lambert + Blinn-Phong (``lit.frag``)."""
    from pyrender.shader_program import ShaderProgramCache

    if shading == "pbr":
        return ShaderProgramCache()
    lit, lit_vert = str(SHADER_DIR / "lit.frag"), str(SHADER_DIR / "lit.vert")

    class FastShaders(ShaderProgramCache):
        # Compiled into the programs asked for next (see lit.frag): the scene's lights of
        # each kind and the shadow maps in use (0 to 4).
        variant = {"N_DIRECTIONAL": 4, "N_SPOT": 4, "N_POINT": 4, "SHADOW_LAYERS": 0, "SHADOW_TAPS": 1}

        def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
            if fragment_shader == "mesh.frag":
                # absolute paths: os.path.join keeps them as they are
                vertex_shader, fragment_shader = lit_vert, lit
                defines = {**(defines or {}), **self.variant}
            return super().get_program(vertex_shader, fragment_shader, geometry_shader, defines)

    return FastShaders()
