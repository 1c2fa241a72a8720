"""Assets: where body geometry comes from (pybullet's URDFs, trimesh primitives, mesh files)."""
