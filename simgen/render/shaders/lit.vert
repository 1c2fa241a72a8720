#version 330 core
// Vertex stage of the "fast" shader: what pyrender's mesh.vert gives lit.frag (world position,
// normal, texture coordinates, vertex colour), plus each shadow layer's clip coordinates of the
// vertex moved off the surface along its normal by about a texel (more where the light grazes
// it): normal-offset shadow lookups, interpolated exactly (the layers' maps are affine in world
// position), so the fragment stage only divides and filters.
// SHADOW_LAYERS (0 to 4) is set per program by simgen.render.shaders: the layers in use.
#ifndef SHADOW_LAYERS
#define SHADOW_LAYERS 0
#endif

layout(location = 0) in vec3 position;
#ifdef NORMAL_LOC
layout(location = NORMAL_LOC) in vec3 normal;
#endif
#ifdef TEXCOORD_0_LOC
layout(location = TEXCOORD_0_LOC) in vec2 texcoord_0;
#endif
#ifdef COLOR_0_LOC
layout(location = COLOR_0_LOC) in vec4 color_0;
#endif
layout(location = INST_M_LOC) in mat4 inst_m;

uniform mat4 M;
uniform mat4 V;
uniform mat4 P;
#if SHADOW_LAYERS > 0
uniform mat4 shadow_matrix[SHADOW_LAYERS];  // world -> the layer's clip space
uniform vec4 shadow_light[SHADOW_LAYERS];   // xyz: towards the light (w 0) or its position (w 1)
uniform vec2 shadow_texel[SHADOW_LAYERS];   // texel size (m) at distance d from the light: x + y * d
out vec4 shadow_coord[SHADOW_LAYERS];
#endif

out vec3 frag_position;
#ifdef NORMAL_LOC
out vec3 frag_normal;
#endif
#ifdef TEXCOORD_0_LOC
out vec2 uv_0;
#endif
#ifdef COLOR_0_LOC
out vec4 color_multiplier;
#endif

void main()
{
    mat4 model = M * inst_m;
    vec4 world = model * vec4(position, 1.0);
    gl_Position = P * V * world;
    frag_position = world.xyz;
#ifdef NORMAL_LOC
    vec3 n = normalize(mat3(transpose(inverse(model))) * normal);
    frag_normal = n;
#endif
#ifdef TEXCOORD_0_LOC
    uv_0 = texcoord_0;
#endif
#ifdef COLOR_0_LOC
    color_multiplier = color_0;
#endif
#if SHADOW_LAYERS > 0
    for (int k = 0; k < SHADOW_LAYERS; k++) {
        vec3 p = world.xyz;
#ifdef NORMAL_LOC
        vec4 s = shadow_light[k];
        vec3 to_light = s.xyz - world.xyz * s.w;
        float dist = length(to_light) * s.w;
        float nl = dot(n, normalize(to_light));
        float texel = shadow_texel[k].x + shadow_texel[k].y * dist;
        float away = texel * (0.6 + 1.4 * sqrt(max(1.0 - nl * nl, 0.0)));
        p += n * (nl >= 0.0 ? away : -away);  // towards the light's side of the surface
#endif
        shadow_coord[k] = shadow_matrix[k] * vec4(p, 1.0);
    }
#endif
}
