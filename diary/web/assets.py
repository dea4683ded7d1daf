"""Light pages: compressed responses and fingerprinted static files cached for a year.

At start-up every file under ``diary/static`` is copied once into a build folder named by the
digest of all of them, scripts and style sheets minified, with gzip (and Brotli, when
installed) variants beside it; the build folders of older contents are pruned to the last few.
WhiteNoise serves them before Flask sees the request: ``url_for('static',
filename='diary.css')`` becomes ``/static/diary.<hash>.css``, cached as immutable for a year;
the plain name still answers, with a short cache, for anything that kept an old link.
"""

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import rcssmin
import rjsmin
from flask import Flask
from flask_compress import Compress
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

YEAR = 365 * 24 * 60 * 60
# Build folders of earlier static contents kept beside the current one: workers of the release
# before may still serve from them while a new release starts.
KEEP_BUILDS = 2
ABANDONED_AFTER = 3600  # seconds: a scratch folder this old belongs to a build that died
COMPRESSED_TYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                    "application/json", "application/manifest+json", "image/svg+xml"]

compress = Compress()


class StaticFiles(WhiteNoise):
    """WhiteNoise with a one-year life for fingerprinted names."""

    FOREVER = YEAR


def fingerprint(name: str, digest: str) -> str:
    """``icons/icon-192.png`` → ``icons/icon-192.<digest>.png``."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"


def manifest(root: Path) -> dict[str, str]:
    """Each static file's name mapped to its fingerprinted name (12 hex digits of SHA-256)."""
    names = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        names[name] = fingerprint(name, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
    return names


MINIFIERS = {".js": rjsmin.jsmin, ".css": rcssmin.cssmin}


def minified(path: Path) -> str | None:
    """A script or style sheet without comments and spaces (None for any other file)."""
    minify = MINIFIERS.get(path.suffix)
    return minify(path.read_text(encoding="utf-8")) if minify else None


def build(root: Path, parent: Path, names: dict[str, str]) -> Path:
    """The compressed copy of the static folder, made once per content (safe to race)."""
    made = [f"rjsmin {rjsmin.__version__}", f"rcssmin {rcssmin.__version__}"]  # how, not just what
    digest = hashlib.sha256("\n".join(made + sorted(names.values())).encode()).hexdigest()[:12]
    target = parent / digest
    if target.is_dir():
        return target
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=parent, prefix=".build-"))
    compressor = Compressor(quiet=True)
    for name in names:
        copy = scratch / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        small = minified(root / name)
        if small is None:
            shutil.copy2(root / name, copy)
        else:
            copy.write_text(small, encoding="utf-8")
        if compressor.should_compress(name):
            compressor.compress(str(copy))
    try:
        os.rename(scratch, target)
    except OSError:  # another worker finished first: its copy is the same
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def prune(parent: Path, current: Path, now: float) -> list[Path]:
    """Remove all but the newest ``KEEP_BUILDS`` earlier build folders, and abandoned scratch
    folders; returns what was removed. Each release adds a folder; none is ever needed again
    once the release after it runs."""
    earlier, removed = [], []
    for path in parent.iterdir():
        if not path.is_dir() or path == current:
            continue
        if path.name.startswith(".build-"):
            if now - path.stat().st_mtime > ABANDONED_AFTER:
                removed.append(path)
        else:
            earlier.append(path)
    earlier.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    removed += earlier[KEEP_BUILDS:]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def init_app(app: Flask) -> None:
    """Compress dynamic responses and serve the static files fingerprinted through WhiteNoise."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Brotli's quality 5 is as quick as its default 4 on a page and about an eighth smaller.
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_MIN_SIZE", 300)
    compress.init_app(app)

    root = Path(app.static_folder)
    names = manifest(root)
    try:
        built = build(root, Path(app.instance_path) / "static-build", names)
    except OSError:  # a read-only instance folder: the system's temporary folder will do
        built = build(root, Path(tempfile.gettempdir()) / "diary-static", names)
    try:
        prune(built.parent, built, time.time())
    except OSError:  # another worker pruned at the same moment, or no right to: harmless
        pass
    hashed = set(names.values())
    files = StaticFiles(app.wsgi_app, max_age=60,
                        immutable_file_test=lambda path, url: url[len("/static/"):] in hashed)
    prefix = app.static_url_path.rstrip("/") + "/"
    for name, stamped in names.items():
        files.add_file_to_dictionary(prefix + name, str(built / name))
        files.add_file_to_dictionary(prefix + stamped, str(built / name))
    app.wsgi_app = files
    app.extensions["static_names"] = names
    app.extensions["static_built"] = built

    @app.url_defaults
    def stamp_static(endpoint, values):
        if endpoint == "static" and values.get("filename") in names:
            values["filename"] = names[values["filename"]]
