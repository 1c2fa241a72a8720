"""simgen: labeled synthetic vision datasets from one command.

The package is laid out as the pipeline it runs, one room per stage:

    config -> spec (randomizers, assets) -> physics -> render -> annotate -> export -> farm

``import simgen`` is cheap and never touches OpenGL; the render stage sets EGL up itself.
"""

__version__ = "0.1.0"
