"""The s3_objects module's comparison: by the stored SHA-256 when there is one, else by the ETag as an MD5."""

from __future__ import annotations

import hashlib

from ansible_collections.dataeng.platform.plugins.modules import s3_objects as module

CONTENT = b"print('hello')\n"


def test_an_object_is_compared_by_its_stored_sha256_first():
    stored = {"ETag": '"not-an-md5-with-kms"', "Metadata": {"sha256": hashlib.sha256(CONTENT).hexdigest()}}
    assert module.holds(stored, CONTENT)
    assert not module.holds(stored, CONTENT + b"# changed\n")


def test_an_object_without_the_metadata_is_compared_by_its_etag():
    uploaded_elsewhere = {"ETag": f'"{hashlib.md5(CONTENT).hexdigest()}"', "Metadata": {}}
    assert module.holds(uploaded_elsewhere, CONTENT)
    assert not module.holds(uploaded_elsewhere, b"other")
    assert not module.holds({"ETag": '"0123-2"'}, CONTENT)


def test_a_missing_object_holds_nothing():
    assert module.stored_digest(None) is None
    assert not module.holds(None, b"")
