"""Inspection (industrial quality control): one product per scene on a conveyor or a fixture,
good or carrying procedural defects, each defect a labeled part with an exact mask."""
