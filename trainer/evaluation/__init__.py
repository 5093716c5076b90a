"""Validation: COCO AP, the score threshold a run suggests, reading it back without torch."""
