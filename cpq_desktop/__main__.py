"""``python -m cpq_desktop`` does what the ``cpq-desktop`` console script does (and is the entry point of
the PyInstaller build)."""

import multiprocessing
import sys

from cpq_desktop.cli import main

# guarded: the process that reads and plans a sync is started with "spawn", which imports the main module
if __name__ == "__main__":
    # in a frozen build, that process is this executable started again: it must run the child, not the app
    multiprocessing.freeze_support()
    sys.exit(main())
