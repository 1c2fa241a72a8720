"""Driving: streets seen from an ego car's camera rig, as sequences; roads, roadside, signals,
traffic and their meshes are built here."""
