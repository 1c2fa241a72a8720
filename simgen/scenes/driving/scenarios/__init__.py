"""Driving scenarios: rare events staged on demand (see :mod:`simgen.scenes.driving.scenarios.plan`).

Modules: ``settings`` (the schema), ``record`` (what the context keeps), ``stage`` (the planning
world), ``templates`` (one per scenario), ``plan`` (choosing and staging a scene's scenario).
"""
