"""``python -m cpq_desktop`` does what the ``cpq-desktop`` console script does."""

import sys

from cpq_desktop.cli import main

# guarded: the process that reads and plans a sync is started with "spawn", which imports the main module
if __name__ == "__main__":
    sys.exit(main())
