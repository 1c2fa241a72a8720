"""Farm: runs a job's scenes on workers (in-process, local Ray, a Ray cluster, SLURM slices)."""
