"""What both layers share and neither owns: kept tiny, importing nothing of
`annotator` or `trainer`, Qt or torch (an import-linter contract says so): the one atomic
writer (standard library only), `text` (a count with its noun, for messages) and `pixels`
(Pillow and numpy: the pixel cap and 8-bit RGB of any image)."""
