"""Package discovery: every bpstudio.* package, plus the top-level resources/ folder
installed as bpstudio.resources (DESIGN.md keeps resources/ beside bpstudio/)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bpstudio", "bpstudio.*"]), "bpstudio.resources"],
    package_dir={"bpstudio.resources": "resources"},
)
