"""``python -m cpq_desktop`` does what the ``cpq-desktop`` console script does."""

import sys

from cpq_desktop.cli import main

sys.exit(main())
