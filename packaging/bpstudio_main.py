"""Entry point of the PyInstaller bundle: the same ``bpstudio`` command as pip installs."""

import multiprocessing

from bpstudio.cli import main

if __name__ == "__main__":
    # The app trains in a second process started with "spawn": in a frozen bundle that
    # process is this executable again, and freeze_support() turns it into the child.
    multiprocessing.freeze_support()
    raise SystemExit(main())
