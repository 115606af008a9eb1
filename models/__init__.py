"""The physician's brains: chat backends (a leaf package), MedGemma presets, the tiny offline model, training."""
