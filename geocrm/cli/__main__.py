"""``python -m geocrm.cli``: the same as the ``geocrm`` console script."""

import sys

from geocrm.cli import main

sys.exit(main())
