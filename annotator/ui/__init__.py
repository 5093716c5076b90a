"""Polymask's Qt views and controllers (thin: the model lives in annotator.model).

Entry point: `annotator.ui.app.run(path=None)`.
"""
