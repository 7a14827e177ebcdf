"""``python -m tinygrad_like`` is the ``tinygrad-like`` command."""

import sys

from tinygrad_like.cli import main

sys.exit(main())
