"""S3 bucket naming rules and AWS region codes.

Pure Python with no third-party imports: the validator imports this module too, and it must stay fast.
Rules follow the AWS "General purpose bucket naming rules".
"""

from __future__ import annotations

import re

# Public partitions (aws, aws-cn, aws-us-gov, aws-eusc); the isolated ISO partitions are left out on purpose.
AWS_REGIONS: frozenset[str] = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "cn-north-1",
        "cn-northwest-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eusc-de-east-1",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-gov-east-1",
        "us-gov-west-1",
        "us-west-1",
        "us-west-2",
    }
)

RESERVED_PREFIXES: tuple[str, ...] = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES: tuple[str, ...] = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

_ALLOWED = re.compile(r"[a-z0-9.-]*")
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


def bucket_name_problems(name: str) -> list[str]:
    """Every rule the bucket name breaks, as readable sentences; an empty list means the name is valid."""
    problems: list[str] = []
    if not 3 <= len(name) <= 63:
        problems.append(f"must be 3 to 63 characters long (it has {len(name)})")
    if not _ALLOWED.fullmatch(name):
        bad = sorted({c for c in name if not re.fullmatch(r"[a-z0-9.-]", c)})
        problems.append(
            "may contain only lowercase letters, digits, dots and hyphens (found "
            + " ".join(repr(c) for c in bad)
            + ")"
        )
    if name and not (name[0].isascii() and name[0].isalnum() and name[-1].isascii() and name[-1].isalnum()):
        problems.append("must begin and end with a letter or digit")
    if ".." in name:
        problems.append("must not contain two adjacent dots")
    if _IPV4.fullmatch(name):
        problems.append("must not be formatted as an IP address")
    problems.extend(f"must not start with the reserved prefix {p!r}" for p in RESERVED_PREFIXES if name.startswith(p))
    problems.extend(f"must not end with the reserved suffix {s!r}" for s in RESERVED_SUFFIXES if name.endswith(s))
    return problems


def is_valid_bucket_name(name: str) -> bool:
    """True when `name` breaks no S3 general purpose bucket naming rule."""
    return not bucket_name_problems(name)


def is_valid_region(code: str) -> bool:
    """True when `code` is a known AWS region code such as us-east-1."""
    return code in AWS_REGIONS
