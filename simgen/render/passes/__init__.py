"""The render passes, one module each, registered by name (:data:`base.PASSES`).

``Renderer.render(camera, passes={...})`` draws the named passes and returns their arrays by
name; nothing downstream holds the renderer. Built in:

- ``color``: the raster's lit, shadowed, anti-aliased image (:mod:`.color`);
- ``ids`` and ``depth``: instance ids and metric z-depth from one flat draw (:mod:`.labels`);
- ``coverage``: amodal silhouettes of the bodies a label plan asks for (:mod:`.coverage`);
- ``normals``: camera-frame unit normals (:mod:`.normals`).
"""
