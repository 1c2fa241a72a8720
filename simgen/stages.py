"""The order of simgen's rooms, earliest first: the conventions, then the pipeline's stages in
the order data flows through them, then the composition root, the farm and the tools.

A module may import modules of its own room or of an earlier one, never of a later one, so
nothing runs back up the pipeline (``tests/test_import_graph.py`` checks every import). A room
is a package under ``simgen/`` or a top-level module; ``simgen`` is the package's own
``__init__``.
"""

STAGE_ORDER: tuple[str, ...] = (
    # conventions used across the house
    "simgen", "stages", "core", "config", "registry",
    # SceneSpec: meshes, randomizers, scene kinds and their recipes
    "assets", "randomizers", "scenes", "recipes",
    # SceneState -> arrays -> image -> FrameLabels -> layers -> files
    "physics", "render", "sensor", "annotate", "layers", "export", "plugins",
    # the composition root, one scene's chain, storage, the farm, the report and the commands
    "job", "pipeline", "store", "farm", "report", "tools",
)
