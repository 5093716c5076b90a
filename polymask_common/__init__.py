"""What both layers share and neither owns: kept tiny, standard library only, importing
nothing of `annotator` or `trainer` (an import-linter contract says so)."""
