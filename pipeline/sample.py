"""The built-in sample: product and venue reviews with a sentiment label, generated from a seed.

Made to be learnable but not trivially so, like real reviews: besides plain praise and complaints there are
negations ("not great"), mixed reviews whose verdict comes after "but", and a share of labels that disagree with
the words (annotators disagree too). A linear bag-of-words model scores about 0.9 on it, not 1.0, and with a few
thousand rows the held-out accuracy moves by only a point or two between seeds (docs/pipeline.md has the numbers).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

ROWS = 4000  # 800 held-out rows: one seed's accuracy is within about +-0.02 of another's

POSITIVE = tuple(
    "great excellent wonderful fantastic delightful superb brilliant lovely enjoyable charming impressive "
    "pleasant outstanding memorable refreshing solid polished friendly generous beautiful".split()
)
NEGATIVE = tuple(
    "terrible awful boring dreadful disappointing poor horrible dull mediocre annoying tedious clumsy "
    "forgettable frustrating bland sloppy rude overpriced noisy cramped".split()
)
SUBJECTS = tuple(
    "movie film book service meal show album hotel concert game app course restaurant podcast novel "
    "museum tour lecture series play flight phone camera laptop festival workshop bakery theater garden "
    "musical documentary exhibition opera gallery cafe hike headphones jacket sofa blender bike".split()
)
ASPECTS = tuple("staff price ending sound design battery plot pacing view location food music seats".split())
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
# "<other>, but <own>": the clause after "but" carries the verdict; a bag of words sees both.
MIXED = (
    "the {aspect} was {other} but the {subject} itself was {adverb} {word}",
    "a {other} {aspect}, but overall a {word} {subject}",
)
NEGATED_SHARE = 0.10  # "not <opposite word>": readable with bigrams, not with single words
MIXED_SHARE = 0.10
NOISE_SHARE = 0.06  # labels flipped at random, as annotators disagree on real reviews


@dataclass(frozen=True)
class Record:
    text: str
    label: int  # 1 positive, 0 negative

    @property
    def sentiment(self) -> str:
        return "positive" if self.label else "negative"


def _sentence(rng: random.Random, label: int) -> str:
    own, other = (POSITIVE, NEGATIVE) if label else (NEGATIVE, POSITIVE)
    subject, adverb = rng.choice(SUBJECTS), rng.choice(ADVERBS)
    roll = rng.random()
    if roll < MIXED_SHARE:
        return rng.choice(MIXED).format(
            aspect=rng.choice(ASPECTS), other=rng.choice(other), subject=subject, adverb=adverb, word=rng.choice(own)
        )
    if roll < MIXED_SHARE + NEGATED_SHARE:
        word, word2 = "not " + rng.choice(other), "not " + rng.choice(other)
    else:
        word, word2 = rng.sample(own, 2)
    return rng.choice(TEMPLATES).format(subject=subject, adverb=adverb, word=word, word2=word2)


def make_records(seed: int, n: int = ROWS) -> list[Record]:
    """`n` records with distinct texts, exactly half labelled positive, shuffled; the same seed, the same list."""
    rng = random.Random(seed)
    labels = [1] * (n // 2) + [0] * (n - n // 2)
    rng.shuffle(labels)
    seen: set[str] = set()
    records: list[Record] = []
    for label in labels:
        text = _sentence(rng, label)
        while text in seen:  # a repeated text would sit in both the training and the test rows
            text = _sentence(rng, label)
        seen.add(text)
        records.append(Record(text, label))
    # Noise last, so the texts do not depend on it: flip pairs (one each way) to keep the classes balanced.
    flips = int(n * NOISE_SHARE) // 2
    positives = [i for i, r in enumerate(records) if r.label == 1]
    negatives = [i for i, r in enumerate(records) if r.label == 0]
    for i in rng.sample(positives, flips) + rng.sample(negatives, flips):
        records[i] = Record(records[i].text, 1 - records[i].label)
    return records


def to_csv(records: list[Record]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "text", "label", "sentiment"])
    for i, rec in enumerate(records):
        writer.writerow([i, rec.text, rec.label, rec.sentiment])
    return buf.getvalue()
