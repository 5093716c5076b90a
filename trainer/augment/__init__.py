"""Augmentation: what the model is shown (transforms, object crops), measured and previewed."""
