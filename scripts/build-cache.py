#!/usr/bin/env python3
"""Lets a fresh clone reuse the build outputs of an earlier clone on this machine.

cargo decides what to rebuild by comparing the modification times of sources
with those of its outputs. A fresh clone gives every file the clone's time, so
a shared target directory alone would rebuild every workspace crate. This keeps,
beside the shared target directory, a manifest of each file's content hash and
the modification time it had when it was last built from. A file whose content
is the same again gets that time back; a changed or new file keeps the clone's
time, which is later than any output, so cargo rebuilds what depends on it.

  build-cache.py restore MANIFEST PATH...   restore, then record the files as they are now

PATHs are files or directories (walked; `.git`, `node_modules` and `target`
are skipped). A directory is recorded by the names in it, so one that lost a
file is not taken for unchanged.
"""

import hashlib
import json
import os
import sys

SKIP = {".git", "node_modules", "target"}


def walk(paths):
    for top in paths:
        if os.path.isfile(top) and not os.path.islink(top):
            yield top, False
            continue
        for d, dirs, files in os.walk(top):
            dirs[:] = sorted(x for x in dirs if x not in SKIP)
            yield d, True
            for f in sorted(files):
                p = os.path.join(d, f)
                if not os.path.islink(p):
                    yield p, False


def digest(path, is_dir):
    h = hashlib.sha256()
    if is_dir:
        for name in sorted(os.listdir(path)):
            h.update(name.encode("utf-8", "surrogateescape") + b"\0")
    else:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def restore(manifest, paths):
    try:
        with open(manifest) as f:
            known = json.load(f)
    except (OSError, ValueError):
        known = {}
    now, kept, changed = {}, 0, 0
    entries = list(walk(paths))
    # Files first, then directories deepest first: setting a file's time does
    # not touch its directory's, but be explicit about the order anyway.
    entries.sort(key=lambda e: (e[1], -e[0].count(os.sep)))
    for path, is_dir in entries:
        sha = digest(path, is_dir)
        old = known.get(path)
        if old and old[0] == sha:
            os.utime(path, ns=(old[1], old[1]), follow_symlinks=False)
            kept += 1
        else:
            changed += 1
        now[path] = [sha, os.stat(path, follow_symlinks=False).st_mtime_ns]
    # Entries of other paths (recorded by another call) stay as they were.
    known.update(now)
    tmp = manifest + ".tmp"
    with open(tmp, "w") as f:
        json.dump(known, f)
    os.replace(tmp, manifest)
    print(f"build cache: {kept} unchanged since they were last built, {changed} new or changed")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "restore":
        restore(sys.argv[2], sys.argv[3:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
