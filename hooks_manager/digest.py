"""sha1 and sha256 from the interpreter's builtin hash modules: hashlib loads OpenSSL, about
4 ms, a tenth of a blocked commit's hook, for one short digest."""

from __future__ import annotations


def hexdigest(data: bytes, algorithm: str = "sha1") -> str:
    """``algorithm`` ("sha1" or "sha256") of ``data``, as hashlib's hexdigest() gives it."""
    try:
        if algorithm == "sha256":
            from _sha256 import sha256 as new  # type: ignore[import-not-found]
        else:
            from _sha1 import sha1 as new  # type: ignore[import-not-found]
    except ImportError:  # an interpreter that renamed them (3.12 has _sha2)
        import hashlib

        return hashlib.new(algorithm, data).hexdigest()
    found: str = new(data).hexdigest()
    return found
