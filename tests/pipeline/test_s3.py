"""S3 bucket naming rules and region codes (pipeline/s3.py), shared with the validator."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.s3 import AWS_REGIONS, bucket_name_problems, is_valid_bucket_name, is_valid_region


@pytest.mark.parametrize(
    "name",
    ["mlops-data-bucket-1754148674-amaslovs", "abc", "a" * 63, "my.bucket.name", "1bucket9", "docexamplebucket1"],
)
def test_valid_bucket_names_have_no_problems(name: str) -> None:
    assert bucket_name_problems(name) == []
    assert is_valid_bucket_name(name)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("ab", "3 to 63"),
        ("a" * 64, "3 to 63"),
        ("", "3 to 63"),
        ("My-Bucket", "lowercase"),
        ("my_bucket", "lowercase"),
        ("my bucket", "lowercase"),
        ("-bucket", "begin and end"),
        ("bucket-", "begin and end"),
        (".bucket", "begin and end"),
        ("my..bucket", "adjacent dots"),
        ("192.168.5.4", "IP address"),
        ("xn--bucket", "'xn--'"),
        ("sthree-bucket", "'sthree-'"),
        ("sthree-configurator-x", "'sthree-'"),
        ("amzn-s3-demo-bucket", "'amzn-s3-demo-'"),
        ("bucket-s3alias", "'-s3alias'"),
        ("bucket--ol-s3", "'--ol-s3'"),
        ("bucket.mrap", "'.mrap'"),
        ("bucket--x-s3", "'--x-s3'"),
        ("bucket--table-s3", "'--table-s3'"),
    ],
)
def test_each_naming_rule_is_reported(name: str, fragment: str) -> None:
    problems = bucket_name_problems(name)
    assert any(fragment in p for p in problems), problems
    assert not is_valid_bucket_name(name)


def test_a_name_breaking_several_rules_lists_each() -> None:
    assert len(bucket_name_problems("-Bad..Name_")) >= 3


@pytest.mark.parametrize("code", ["us-east-1", "eu-west-1", "ap-southeast-7", "us-gov-west-1", "cn-north-1"])
def test_known_regions_are_valid(code: str) -> None:
    assert is_valid_region(code)


@pytest.mark.parametrize("code", ["", "us-east-9", "US-EAST-1", "useast1", "us-east-1 ", "mars-north-1"])
def test_unknown_regions_are_refused(code: str) -> None:
    assert not is_valid_region(code)


def test_region_list_covers_botocore_public_partitions() -> None:
    import botocore.session

    session = botocore.session.get_session()
    known = set()
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        known |= set(session.get_available_regions("s3", partition_name=partition))
    assert known, "botocore lists no regions"
    assert known <= AWS_REGIONS, sorted(known - AWS_REGIONS)


def test_module_imports_nothing_heavy() -> None:
    heavy = "{'boto3', 'botocore', 'mlflow', 'sklearn', 'dvc', 'yaml'}"
    code = f"import sys, pipeline.s3; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
