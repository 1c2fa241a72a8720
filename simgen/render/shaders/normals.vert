#version 330 core
// Surface normals pass: view-space position and normal of every drawn surface.
layout(location = 0) in vec3 position;
#ifdef NORMAL_LOC
layout(location = NORMAL_LOC) in vec3 normal;
#endif
layout(location = INST_M_LOC) in mat4 inst_m;

uniform mat4 P;
uniform mat4 V;
uniform mat4 M;

out vec3 view_position;
#ifdef NORMAL_LOC
out vec3 view_normal;
#endif

void main()
{
    mat4 MV = V * M * inst_m;
    vec4 p = MV * vec4(position, 1.0);
    view_position = p.xyz;
#ifdef NORMAL_LOC
    view_normal = mat3(transpose(inverse(MV))) * normal;
#endif
    gl_Position = P * p;
}
