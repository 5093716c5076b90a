"""COCO datasets: reading, checking, splitting and merging them; the torch dataset and samplers."""
