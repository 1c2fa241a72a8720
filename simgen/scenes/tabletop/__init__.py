"""Tabletop (robotics): objects on a table, seen from a hemisphere of cameras."""
