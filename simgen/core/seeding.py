"""The only place random generators are made: scene ``i`` of a job draws from its own stream.

Keeping the dataset a function of (config, seed) means no global ``random``, no generator as a
default argument and no clock: every randomizer receives the generator made here.
"""

import numpy as np


def scene_rng(seed: int, scene_index: int) -> np.random.Generator:
    """Generator for scene ``scene_index`` of a job run with ``seed``, independent of workers."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(scene_index)]))


SPLITS_STREAM = 0x5B117  # spawn key of the split assignment's stream (never a scene index's)


def splits_rng(seed: int, scene_index: int) -> np.random.Generator:
    """Generator of scene ``scene_index``'s split tie-break, a stream apart from the scenes'
    (``SeedSequence([seed, i])``), so splits never change what a scene draws."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(SPLITS_STREAM, int(scene_index))))


LOOKS_STREAM = 0x100C5  # spawn key of the appearance stream (textures, lights, sensor, conditions)


def looks_rng(seed: int, scene_index: int, *key: int) -> np.random.Generator:
    """Generator of scene ``scene_index``'s appearance, a stream apart from its geometry's.

    Appearance (materials, textures, lights, sensor effects, weather) draws only from here, so
    switching any appearance setting on or off never moves a body or a camera: the labels stay
    byte-identical. ``key`` separates uses within a scene (for example a view's sensor noise)."""
    return np.random.default_rng(
        np.random.SeedSequence(int(seed), spawn_key=(LOOKS_STREAM, int(scene_index), *(int(k) for k in key))))


SCENARIO_STREAM = 0x5CE4A  # spawn key of the driving scenarios' stream (which event, its geometry and timing)


def scenario_rng(seed: int, scene_index: int) -> np.random.Generator:
    """Generator of scene ``scene_index``'s scenario (whether one happens, and how), a stream
    apart from the scene's: with every scenario probability 0 nothing draws from it, so scenes
    without scenarios stay the same as before scenarios existed."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(SCENARIO_STREAM, int(scene_index))))


def weighted_index(rng: np.random.Generator, weights) -> int:
    """An index drawn with probability in proportion to ``weights`` (non-negative, not all 0):
    the one weighted draw, so every pick consumes the generator the same way."""
    w = np.asarray(weights, float)
    return int(rng.choice(len(w), p=w / w.sum()))


LIDAR_STREAM = 0x11DA2  # spawn key of the LiDAR's sensor model (dropout, range noise)


def lidar_rng(seed: int, scene_index: int, frame_index: int) -> np.random.Generator:
    """Generator of the LiDAR's sensor model at frame ``frame_index`` of scene ``scene_index``,
    a stream apart from the scene's geometry and appearance: a LiDAR switched on or off never
    changes what else a scene draws."""
    return np.random.default_rng(
        np.random.SeedSequence(int(seed), spawn_key=(LIDAR_STREAM, int(scene_index), int(frame_index))))


STATION_STREAM = 0x57A7  # spawn key of job-wide draws shared by every scene (a fixed station camera)


def job_rng(seed: int, *key: int) -> np.random.Generator:
    """Generator of draws every scene of a job shares (the same for each scene index), a stream
    apart from the scenes' own: a camera fixed for the whole job, for example."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(STATION_STREAM, *(int(k) for k in key))))
