"""Conventions used across every stage: the scene spec, camera and pose conversions, seeds,
splits, the dataset's file layout, errors, atomic writes, the EGL/pyrender set-up, the quiet
pybullet import and interrupts. Modules here import nothing of simgen outside ``core/``."""
