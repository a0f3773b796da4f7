"""A realistic, deterministic demo CRM for a loaded city.

``generate_demo_data`` places reps, stores and customers at real addresses of the city
(consumers in residential buildings, business accounts in offices and shops), draws 12
months of interactions, and derives satisfaction, churn risk and lifetime value from them
so that the signals correlate the way they do in real CRMs.

* :mod:`~geocrm.demo.generator`: the seeded generation (pure numpy/pandas);
* :mod:`~geocrm.demo.addresses`: addresses as people type them (the file's noise);
* :mod:`~geocrm.demo.load`: the import file, its truth file, and the load.

Everything depends only on the seed, the customer count and the loaded city.
"""

from geocrm.demo.addresses import NOISE_KINDS, typed_address
from geocrm.demo.generator import (
    INTERACTION_TYPES,
    SETTINGS_FILE,
    STAGES,
    build_demo_frames,
    top_share,
)
from geocrm.demo.load import GENERATED_DIR, DemoReport, generate_demo_data, write_import_files

__all__ = [
    "GENERATED_DIR",
    "INTERACTION_TYPES",
    "NOISE_KINDS",
    "SETTINGS_FILE",
    "STAGES",
    "DemoReport",
    "build_demo_frames",
    "generate_demo_data",
    "top_share",
    "typed_address",
    "write_import_files",
]
