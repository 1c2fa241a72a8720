#version 330 core
// simgen's "fast" surface shader: Lambert diffuse plus a Blinn-Phong highlight whose size and
// tint follow the material's roughness and metallic factors. Written for pyrender's mesh.vert
// outputs and the uniform names pyrender sets; several times cheaper per pixel than the full
// metallic-roughness BRDF on a CPU rasterizer (see benchmarks/).

struct DirectionalLight { vec3 color; float intensity; vec3 direction; };
struct PointLight { vec3 color; float intensity; float range; vec3 position; };
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
uniform vec3 cam_pos;
uniform vec3 ambient_light;

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

    vec3 color = base.rgb * ambient_light;
    for (int i = 0; i < n_directional_lights; i++) {
        DirectionalLight d = directional_lights[i];
        color += shade(n, v, normalize(-d.direction), d.color * d.intensity, albedo, spec_color, shininess);
    }
    for (int i = 0; i < n_point_lights; i++) {
        PointLight p = point_lights[i];
        vec3 to_light = p.position - frag_position;
        float d2 = max(dot(to_light, to_light), 1e-6);
        color += shade(n, v, to_light * inversesqrt(d2), p.color * p.intensity / d2, albedo, spec_color, shininess);
    }
    color += material.emissive_factor;
    frag_color = vec4(sqrt(clamp(color, 0.0, 1.0)), base.a);  // gamma 2: cheaper than pow
}
