"""ExampleGen's input fingerprint is taken from the files' names and bytes, not their size
and modification time."""

import os

from components.checked_csv_example_gen.fingerprint import content_fingerprint


def test_content_decides_not_size_or_time(tmp_path):
    data = tmp_path / "iris.csv"
    data.write_text("a,b\n1,2\n")
    before = content_fingerprint(str(tmp_path), {"single_split": "*.csv"})
    written = data.stat()
    data.write_text("a,b\n2,1\n")
    os.utime(data, ns=(written.st_atime_ns, written.st_mtime_ns))
    after = content_fingerprint(str(tmp_path), {"single_split": "*.csv"})
    assert after != before and after.startswith("sha256:")

    os.utime(data, ns=(0, 0))  # touched, not changed
    assert content_fingerprint(str(tmp_path), {"single_split": "*.csv"}) == after


def test_file_names_splits_and_only_matching_files_count(tmp_path):
    (tmp_path / "a.csv").write_text("x\n1\n")
    fingerprint = content_fingerprint(str(tmp_path), {"single_split": "*.csv"})
    (tmp_path / "schema.pbtxt").write_text("feature {}")
    assert content_fingerprint(str(tmp_path), {"single_split": "*.csv"}) == fingerprint
    assert content_fingerprint(str(tmp_path), {"other": "*.csv"}) != fingerprint
    (tmp_path / "a.csv").rename(tmp_path / "b.csv")
    assert content_fingerprint(str(tmp_path), {"single_split": "*.csv"}) != fingerprint
