"""Physics: pybullet makes a SceneSpec plausible (objects dropped and settled)."""
