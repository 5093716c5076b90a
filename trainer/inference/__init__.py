"""A trained model at work: checkpoint + image -> instances, masks, polygons, box prompts."""
