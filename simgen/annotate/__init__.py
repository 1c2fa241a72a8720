"""Annotate: labels computed once per view from the render passes and the scene state.

Writers only serialize :class:`~simgen.annotate.labels.FrameLabels`; they never recompute.
"""
