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
    lit = str(SHADER_DIR / "lit.frag")

    class FastShaders(ShaderProgramCache):
        def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
            if fragment_shader == "mesh.frag":
                fragment_shader = lit  # absolute: os.path.join keeps it as is
            return super().get_program(vertex_shader, fragment_shader, geometry_shader, defines)

    return FastShaders()
