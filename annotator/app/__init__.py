"""The application layer: policy the window and the `polymask` commands both follow.

Qt-free and torch-free (an import-linter contract keeps it so): where a project
file lives for an opened path, where its images are, whether an export can go ahead;
for training, what a run is given (training_data), where it goes and its record
(training_runs, run_record; training.plan_run starts a run), the pre-flight check (preflight) and
which image to label next (uncertainty).
"""

from .image_search import ImageSearch, count_found, locate_images
from .project_location import Opened, open_for_editing, project_file_for

__all__ = ["ImageSearch", "count_found", "locate_images", "Opened", "open_for_editing", "project_file_for"]
