"""The image stage: what the air, the lens and the sensor do to a rendered view.

- :mod:`~simgen.sensor.color`: sRGB <-> linear light;
- :mod:`~simgen.sensor.atmosphere`: fog (from the exact depth) and rain streaks;
- :mod:`~simgen.sensor.camera`: blur, chromatic aberration, vignetting, exposure, noise, white
  balance, JPEG;
- :mod:`~simgen.sensor.look`: the per-view draw of the camera effects (appearance stream);
- :mod:`~simgen.sensor.depth`: the depth sensor model (the ``depth_sensor`` layer);
- :mod:`~simgen.sensor.stage`: :class:`ImageStage`, which the pipeline calls after render;
- :mod:`~simgen.sensor.checks`: value checks of the ``sensor`` settings.

Settings: :class:`simgen.config.sensor.SensorConfig` (``sensor=off|mild|strong``). Only the
colour image changes: ids, depth and every label stay exact.
"""
