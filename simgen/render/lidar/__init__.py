"""The LiDAR's geometry: its scan pattern (:mod:`.pattern`) and the ray caster that reads the
same meshes and poses the raster draws (:mod:`.caster`). The sensor model is
:mod:`simgen.sensor.lidar`, the per-point labels :mod:`simgen.annotate.lidar`."""
