#version 330 core

// One bit per body (see simgen/render/passes/coverage.py): OR-ed into a GL_RGBA32UI target.
uniform uvec4 bit;
out uvec4 frag_bits;

void main()
{
    frag_bits = bit;
}
