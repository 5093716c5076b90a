"""The Qt window: thin views and controllers over annotator.model."""
