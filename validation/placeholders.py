"""What a blank left to fill in looks like, wherever the validator meets one: a credential's value in an example
(ENV-CREDENTIALS), the owner in a template's repoURL (which repository is this one)."""

from __future__ import annotations

import re

# The whole value <password>, ${TOKEN} or $(TOKEN), or a description of it (Your encryption passphrase); or
# YOUR_API_KEY_HERE, UPDATE_AWS_ACCESS_KEY_ID, your-org, changeme, or redacted (642xxxxxxxxdedc, ******).
_BLANK = re.compile(r"\s*(?:<[^<>\n]+>|\$\{[^{}\n]+\}|\$\([^()\n]+\)|(?i:your)\s+\w[^\n]*)\s*\Z")
_BLANK_PART = re.compile(r"(?i:\b(?:your|update|replace)[_-]|\bchange[_-]?me\b)|[xX*]{6,}")


def is_placeholder(value: str) -> bool:
    return bool(_BLANK.match(value) or _BLANK_PART.search(value))


# A <NAME> or ${NAME} anywhere in a path (registry/clusters/<CLUSTER_NAME>/components): a template's blank. Only the
# bracketed forms: a folder named update-service or your-app is a real folder.
_BLANK_IN_PATH = re.compile(r"<[^<>/\n]+>|\$\{[^{}/\n]+\}")


def holds_blank(path: str) -> bool:
    return bool(_BLANK_IN_PATH.search(path))
