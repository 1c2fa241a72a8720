#!/usr/bin/env bash
# Run a command with simgen's stack on a lent GPU machine whose python3 lacks it (no network there).
#
#     bash benchmarks/gpu_run.sh python benchmarks/run.py --cases tabletop-20 --pipelines simgen --workers 16
#
# Expects, carried beside the repo (all ignored by git):
#   .gl/*.deb   libglvnd EGL/GL packages and libglu1-mesa, unpacked into / (device README recipe)
#   .whl/*.whl  pure-Python or cp312 wheels simgen needs that the image lacks (pyrender, pyglet<2,
#               PyOpenGL 3.1.0, trimesh, hydra-core, omegaconf, antlr4 4.9.3, pycocotools, ...)
#   .pb/        pybullet.cpython-312-x86_64-linux-gnu.so (built elsewhere: no 3.12 wheel exists) and
#               pybullet_data as tarballs (*.tar.gz / *.tar.xz, each holding pybullet_data/...)
# Installs into /tmp/site, points EGL at the NVIDIA vendor library, prints the GL renderer, then
# runs "$@" from the repo root.
set -euo pipefail
cd "$(dirname "$0")/.."

SITE=/tmp/site
mkdir -p "$SITE"
if compgen -G ".gl/*.deb" >/dev/null; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl
fi
if [ -d .pb ]; then
    cp .pb/pybullet*.so "$SITE"/ 2>/dev/null || true
    for t in .pb/*.tar.gz; do [ -e "$t" ] && tar -xzf "$t" -C "$SITE"; done
    for t in .pb/*.tar.xz; do [ -e "$t" ] && tar -xJf "$t" -C "$SITE/pybullet_data"; done
fi
export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYOPENGL_PLATFORM=egl PYGLET_SHADOW_WINDOW=0 PYTHONUNBUFFERED=1

# glvnd finds NVIDIA's EGL vendor file only where the image keeps it.
nv=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$nv" ] && ! compgen -G "/usr/share/glvnd/egl_vendor.d/*nvidia*" >/dev/null; then
    export __EGL_VENDOR_LIBRARY_FILENAMES="$nv"
fi

python3 - <<'EOF'
from simgen.platform import import_pyrender
pr = import_pyrender()
r = pr.OffscreenRenderer(64, 64)
from OpenGL.GL import GL_RENDERER, GL_VENDOR, GL_VERSION, glGetString
print("GL:", " | ".join(glGetString(k).decode() for k in (GL_VENDOR, GL_RENDERER, GL_VERSION)), flush=True)
r.delete()
EOF

exec "$@"
