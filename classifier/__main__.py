"""`python -m classifier` is the `feedback` command."""

import sys

from .cli import main

sys.exit(main())
