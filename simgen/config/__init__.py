"""Configuration: dataclass schemas (validated by Hydra at start-up) and scene recipes."""
