"""Step 1, data-prep: a deterministic, balanced sentiment dataset, versioned with DVC."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from pathlib import Path

from pipeline import files, versioning
from pipeline.settings import Settings

HELP = "generate the balanced sample dataset and version it with DVC"
RECORDS = 100

POSITIVE = tuple(
    "great excellent wonderful fantastic delightful superb brilliant lovely enjoyable charming impressive "
    "pleasant outstanding memorable refreshing".split()
)
NEGATIVE = tuple(
    "terrible awful boring dreadful disappointing poor horrible dull mediocre annoying tedious clumsy "
    "forgettable frustrating bland".split()
)
SUBJECTS = tuple(
    "movie film book service meal show album hotel concert game app course restaurant podcast novel "
    "museum tour lecture series play flight phone camera laptop festival workshop bakery theater garden "
    "musical documentary exhibition opera gallery cafe hike".split()
)
ADVERBS = tuple("really truly quite rather very pretty simply mostly fairly genuinely".split())
TEMPLATES = (
    "the {subject} was {adverb} {word}",
    "what a {word} {subject} this turned out to be",
    "i found the {subject} {word} and {word2}",
    "honestly a {adverb} {word} {subject} overall",
    "this {subject} felt {word} from start to finish",
    "my friends said the {subject} is {adverb} {word}",
    "we thought the {subject} was {word} yesterday",
    "after last weekend i would call the {subject} {word}",
    "if you ask me the {subject} is {adverb} {word}",
    "our verdict on the {subject} is {word} and {word2}",
)
# A share of each class says the opposite word with "not" in front: a unigram model cannot read those,
# so held-out accuracy is realistic (0.85 mean over seeds 0-29, 0.95 for seed 42) and the gate can fail.
NEGATED_SHARE = 0.03


@dataclass(frozen=True)
class Record:
    text: str
    label: int  # 1 positive, 0 negative

    @property
    def sentiment(self) -> str:
        return "positive" if self.label else "negative"


@dataclass(frozen=True)
class DataPrepResult:
    path: Path
    records: int
    positives: int
    md5: str

    def summary(self) -> str:
        return f"wrote {self.records} records ({self.positives} positive) to {self.path}, DVC md5 {self.md5}"


def _sentence(rng: random.Random, label: int) -> str:
    own, other = (POSITIVE, NEGATIVE) if label else (NEGATIVE, POSITIVE)
    template = rng.choice(TEMPLATES)
    subject = rng.choice(SUBJECTS)
    if rng.random() < NEGATED_SHARE:
        word, word2 = "not " + rng.choice(other), "not " + rng.choice(other)
    else:
        word, word2 = rng.sample(own, 2)
    return template.format(subject=subject, adverb=rng.choice(ADVERBS), word=word, word2=word2)


def make_records(seed: int, n: int = RECORDS) -> list[Record]:
    """`n` records, exactly half positive, shuffled; the same seed always gives the same list."""
    rng = random.Random(seed)
    labels = [1] * (n // 2) + [0] * (n - n // 2)
    rng.shuffle(labels)
    return [Record(_sentence(rng, label), label) for label in labels]


def to_csv(records: list[Record]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "text", "label", "sentiment"])
    for i, rec in enumerate(records):
        writer.writerow([i, rec.text, rec.label, rec.sentiment])
    return buf.getvalue()


def read_csv(path: Path) -> list[Record]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [Record(row["text"], int(row["label"])) for row in csv.DictReader(fh)]


def run(settings: Settings) -> DataPrepResult:
    records = make_records(settings.seed)
    files.write_text(settings.raw_csv, to_csv(records))
    hashes = versioning.add_and_push(settings, [settings.raw_csv])
    return DataPrepResult(
        path=settings.raw_csv,
        records=len(records),
        positives=sum(r.label for r in records),
        md5=next(iter(hashes.values())),
    )
