"""Export: writers serialize FrameLabels (COCO first) and the per-pixel maps, never recompute."""
