"""Render: pyrender on EGL draws a SceneState: colour, metric depth and instance ids."""
