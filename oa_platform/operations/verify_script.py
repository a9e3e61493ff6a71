"""The script every archive disc carries (``verify.py``): it checks the disc's files against
its ``SHA256SUMS`` with nothing but Python 3, years after the platform is gone (seed 2 §7.2:
the group archives keep the discs). ``sha256sum -c SHA256SUMS`` does the same on Linux."""

SCRIPT = '''#!/usr/bin/env python3
"""Check every file on this disc against SHA256SUMS (needs only Python 3).

Run it from anywhere: python3 verify.py   (or on Linux: sha256sum -c SHA256SUMS)
It prints one line per file and ends with a summary; the exit status is 0 when every
file matches, 1 otherwise.
"""
import hashlib
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent
failed = checked = 0
for line in (here / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
    if not line.strip():
        continue
    expected, name = line.split("  ", 1)
    path = here / name
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        ok = digest.hexdigest() == expected
    except OSError:
        ok = False
    checked += 1
    failed += not ok
    print(("OK      " if ok else "FAILED  ") + name)
print(f"{checked - failed} of {checked} files match their checksums.")
sys.exit(1 if failed else 0)
'''
