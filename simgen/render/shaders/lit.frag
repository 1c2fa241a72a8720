#version 330 core
#extension GL_ARB_shading_language_420pack : require
// simgen's "fast" surface shader: Lambert diffuse plus a Blinn-Phong highlight whose size and
// tint follow the material's roughness and metallic factors. Written for pyrender's mesh.vert
// outputs and the uniform names pyrender sets; several times cheaper per pixel than the full
// metallic-roughness BRDF on a CPU rasterizer (see benchmarks/).
// Spot lights fall off between their cones as pyrender's do. Shadows come from the depth
// layers of simgen/render/shadows.py, at the coordinates lit.vert gives (normal offset), with
// SHADOW_TAPS (1 or 4) bilinear taps each (percentage-closer filtering). A CPU rasterizer runs both sides of a
// branch, so the layers in use (SHADOW_LAYERS, 0 to 4) are compiled in, not tested per pixel.
// Ambient light is a sky/ground hemisphere: ambient_light from above, ambient_ground from
// below, by normal z.
#ifndef SHADOW_LAYERS
#define SHADOW_LAYERS 0
#define N_DIRECTIONAL MAX_DIRECTIONAL_LIGHTS
#define N_SPOT MAX_SPOT_LIGHTS
#define N_POINT MAX_POINT_LIGHTS
#endif

struct DirectionalLight { vec3 color; float intensity; vec3 direction; };
struct PointLight { vec3 color; float intensity; float range; vec3 position; };
struct SpotLight {
    vec3 color;
    float intensity;
    float range;
    vec3 position;
    vec3 direction;
    float light_angle_scale;
    float light_angle_offset;
};
struct Material {
    vec3 emissive_factor;
    vec4 base_color_factor;
    float metallic_factor;
    float roughness_factor;
#ifdef HAS_BASE_COLOR_TEX
    sampler2D base_color_texture;
#endif
};

uniform Material material;
uniform DirectionalLight directional_lights[MAX_DIRECTIONAL_LIGHTS];
uniform int n_directional_lights;
uniform PointLight point_lights[MAX_POINT_LIGHTS];
uniform int n_point_lights;
uniform SpotLight spot_lights[MAX_SPOT_LIGHTS];
uniform int n_spot_lights;
uniform vec3 cam_pos;
uniform vec3 ambient_light;   // from the sky (normal up)
uniform vec3 ambient_ground;  // from the ground (normal down)

#if SHADOW_LAYERS > 0
// A fixed unit above the material textures' (simgen/render/shadows.py SHADOW_UNIT): samplers of
// two types may not share a unit, and at link time every sampler would otherwise be on unit 0.
layout(binding = 15) uniform sampler2DArrayShadow shadow_maps;
uniform float shadow_tap;  // filter tap offset in texture coordinates (0.75 texel)
uniform int directional_shadow[MAX_DIRECTIONAL_LIGHTS];  // the light's layer; -1: no shadow
uniform int spot_shadow[MAX_SPOT_LIGHTS];
uniform int point_shadow[MAX_POINT_LIGHTS];
in vec4 shadow_coord[SHADOW_LAYERS];
#endif

in vec3 frag_position;
#ifdef NORMAL_LOC
in vec3 frag_normal;
#endif
#ifdef TEXCOORD_0_LOC
in vec2 uv_0;
#endif
#ifdef COLOR_0_LOC
in vec4 color_multiplier;
#endif

out vec4 frag_color;

vec3 shade(vec3 n, vec3 v, vec3 l, vec3 radiance, vec3 albedo, vec3 spec_color, float shininess)
{
    float nl = max(dot(n, l), 0.0);
    vec3 h = normalize(l + v);
    float highlight = nl > 0.0 ? pow(max(dot(n, h), 0.0), shininess) : 0.0;
    return radiance * (albedo * nl + spec_color * highlight);
}

#if SHADOW_LAYERS > 0
// Share of the light reaching the surface from shadow layer ``layer``: 1 lit, 0 in shadow.
float lit_share(int layer)
{
    vec4 q = shadow_coord[layer];
    vec3 c = q.xyz / q.w * 0.5 + 0.5;
    float ref = min(c.z, 1.0);  // beyond the far plane: compared with the cleared depth, lit
    float layer_f = float(layer);
#if SHADOW_TAPS == 4
    float t = shadow_tap;
#endif
#if SHADOW_TAPS == 4
    return 0.25 * (texture(shadow_maps, vec4(c.x - t, c.y - t, layer_f, ref))
                 + texture(shadow_maps, vec4(c.x + t, c.y - t, layer_f, ref))
                 + texture(shadow_maps, vec4(c.x - t, c.y + t, layer_f, ref))
                 + texture(shadow_maps, vec4(c.x + t, c.y + t, layer_f, ref)));
#else
    return texture(shadow_maps, vec4(c.x, c.y, layer_f, ref));  // one bilinear 2 x 2 comparison
#endif
}
#endif

void main()
{
    vec4 base = material.base_color_factor;
#ifdef HAS_BASE_COLOR_TEX
    vec4 texel = texture(material.base_color_texture, uv_0);
    base *= vec4(texel.rgb * texel.rgb, texel.a);  // gamma 2, matching the output
#endif
#ifdef COLOR_0_LOC
    base *= color_multiplier;
#endif
#ifdef NORMAL_LOC
    vec3 n = normalize(frag_normal);
#else
    vec3 n = normalize(cross(dFdx(frag_position), dFdy(frag_position)));
#endif
    vec3 v = normalize(cam_pos - frag_position);
    if (dot(n, v) < 0.0) n = -n;  // lit from the side the camera sees

    float metallic = clamp(material.metallic_factor, 0.0, 1.0);
    float roughness = clamp(material.roughness_factor, 0.05, 1.0);
    vec3 albedo = base.rgb * (1.0 - metallic) / 3.14159265;
    vec3 spec_color = mix(vec3(0.04), base.rgb, metallic) * (1.0 - 0.7 * roughness);
    float shininess = 2.0 / (roughness * roughness * roughness * roughness) + 2.0;

    vec3 color = base.rgb * mix(ambient_ground, ambient_light, 0.5 + 0.5 * n.z);
    float lit[SHADOW_LAYERS + 1];  // lit[k]: share of layer k's light; the last one: no shadow
#if SHADOW_LAYERS > 0
    for (int k = 0; k < SHADOW_LAYERS; k++) lit[k] = lit_share(k);
#endif
    lit[SHADOW_LAYERS] = 1.0;
    for (int i = 0; i < N_DIRECTIONAL; i++) {
        DirectionalLight d = directional_lights[i];
        vec3 l = normalize(-d.direction);
        vec3 radiance = d.color * d.intensity;
#if SHADOW_LAYERS > 0
        int layer = directional_shadow[i];
        radiance *= lit[layer < 0 ? SHADOW_LAYERS : layer];
#endif
        color += shade(n, v, l, radiance, albedo, spec_color, shininess);
    }
    for (int i = 0; i < N_POINT; i++) {
        PointLight p = point_lights[i];
        vec3 to_light = p.position - frag_position;
        float d2 = max(dot(to_light, to_light), 1e-6);
        vec3 l = to_light * inversesqrt(d2);
        vec3 radiance = p.color * p.intensity / d2;
#if SHADOW_LAYERS > 0
        int layer = point_shadow[i];
        radiance *= lit[layer < 0 ? SHADOW_LAYERS : layer];
#endif
        color += shade(n, v, l, radiance, albedo, spec_color, shininess);
    }
    for (int i = 0; i < N_SPOT; i++) {
        SpotLight s = spot_lights[i];
        vec3 to_light = s.position - frag_position;
        float d2 = max(dot(to_light, to_light), 1e-6);
        vec3 l = to_light * inversesqrt(d2);
        float cone = clamp(dot(s.direction, -l) * s.light_angle_scale + s.light_angle_offset, 0.0, 1.0);
        vec3 radiance = s.color * (s.intensity * cone * cone / d2);
#if SHADOW_LAYERS > 0
        int layer = spot_shadow[i];
        radiance *= lit[layer < 0 ? SHADOW_LAYERS : layer];
#endif
        color += shade(n, v, l, radiance, albedo, spec_color, shininess);
    }
    color += material.emissive_factor;
    frag_color = vec4(sqrt(clamp(color, 0.0, 1.0)), base.a);  // gamma 2: cheaper than pow
}
