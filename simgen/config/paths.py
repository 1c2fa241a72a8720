"""Where the package's own configs and recipes are: package data, so a wheel has them."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
CONFIG_DIR = PACKAGE_DIR / "conf"  # Hydra's config groups and config.yaml
RECIPE_DIR = PACKAGE_DIR / "scenes"  # the built-in scene recipes, NAME.yaml
