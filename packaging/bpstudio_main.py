"""Entry point of the PyInstaller bundle: the same ``bpstudio`` command as pip installs."""

from bpstudio.cli import main

raise SystemExit(main())
