"""Command-line tools: ``simgen`` (generate), ``simgen-validate``, ``simgen-merge``."""
