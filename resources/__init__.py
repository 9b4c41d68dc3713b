"""Built-in example projects and sample datasets (read via importlib.resources)."""
