"""packaging/: the desktop entry, AppStream metadata, icons and the PyInstaller spec.

Building the bundle takes minutes, so it is not part of the test run:
``packaging/build.sh`` builds it and smoke-tests it (its output is in packaging/README.md).
These checks keep the files it uses consistent.
"""

from __future__ import annotations

import configparser
import importlib.resources
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "packaging"
APP_ID = "org.bpstudio.bpstudio"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def test_desktop_entry_launches_bpstudio_with_its_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(PKG / f"{APP_ID}.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"].split()[0] == "bpstudio"
    assert section["Icon"] == APP_ID
    assert section["Categories"].endswith(";")
    assert "application/x-bpstudio-project" in section["MimeType"]


def test_metainfo_names_the_desktop_file_and_the_licences():
    root = ET.parse(PKG / f"{APP_ID}.metainfo.xml").getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    assert root.findtext("project_license") == "MIT"
    assert root.find("provides/binary").text == "bpstudio"


def test_mime_type_matches_project_files():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(PKG / f"{APP_ID}.mime.xml").getroot()
    mime = root.find("m:mime-type", ns)
    assert mime.get("type") == "application/x-bpstudio-project"
    assert mime.find("m:glob", ns).get("pattern") == "*.bpstudio"


def test_every_icon_size_exists_square_with_transparency():
    for n in SIZES:
        with Image.open(PKG / "icons" / f"bpstudio-{n}.png") as im:
            assert im.size == (n, n) and im.mode == "RGBA"
            assert im.getpixel((0, 0))[3] < 8  # rounded corners: (almost) transparent
    with Image.open(PKG / "icons" / "bpstudio.ico") as ico:
        assert (256, 256) in ico.info["sizes"]
    assert (PKG / "icons" / "bpstudio.icns").stat().st_size > 10_000


def test_the_window_icon_in_resources_is_the_packaging_svg():
    installed = importlib.resources.files("bpstudio.resources") / "icons" / "bpstudio.svg"
    assert installed.read_bytes() == (PKG / "icons" / "bpstudio.svg").read_bytes()


def test_spec_bundles_resources_as_the_installed_package():
    spec = (PKG / "bpstudio.spec").read_text(encoding="utf-8")
    assert 'Path("bpstudio") / "resources"' in spec  # where importlib.resources looks
    assert 'collect_submodules("bpstudio")' in spec  # the CLI imports lazily
    assert '"torch"' in spec  # a test-only package never ships
