#version 330 core
// Unit normal in OpenGL camera axes, turned to face the camera; meshes without vertex
// normals get the triangle's own normal from screen-space derivatives.
in vec3 view_position;
#ifdef NORMAL_LOC
in vec3 view_normal;
#endif
uniform vec3 color;  // set by pyrender's segmentation path; unused
out vec4 frag_color;

void main()
{
#ifdef NORMAL_LOC
    vec3 n = normalize(view_normal);
#else
    vec3 n = normalize(cross(dFdx(view_position), dFdy(view_position)));
#endif
    if (dot(n, view_position) > 0.0) {
        n = -n;
    }
    frag_color = vec4(n, 1.0);
}
