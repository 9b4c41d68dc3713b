from bpstudio.cli import main

# Guarded: the training process (multiprocessing's "spawn") imports the parent's main
# module again under another name, and must not start a second app.
if __name__ == "__main__":
    raise SystemExit(main())
