"""Bin picking: objects dropped into a bin, piling up with heavy occlusion."""
