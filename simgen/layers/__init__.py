"""Per-pixel label layers (depth, object_ids, semantic, depth_sensor, normals, flow), one module
each behind :class:`simgen.layers.base.Layer`: how the layer is computed, its encoder, folder,
COCO image field and validator rule. A new layer is one module here plus its test (see normals.py)."""
