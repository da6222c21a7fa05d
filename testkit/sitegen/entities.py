"""Which planted entities the spaCy model really finds, for the manifest.

The manifest promises entities the pipeline must extract; listing a planted
name the model misses would make the tests assert something spaCy cannot do.
So the model is run here, over the same bodies, and only its hits are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from .stories import Story

#: Labels wanted in turn, so a story lists people, organisations and places alike.
_LABEL_ROUNDS = ("PERSON", "ORG", "GPE", "PERSON", "ORG", "GPE")
MAX_ENTITIES = 4


class EntityChecker:
    """Runs the spaCy model once per process and keeps the planted entities it finds."""

    def __init__(self, model: str) -> None:
        import spacy  # only when entities are wanted: benchmarks pass entity_model=None

        self.model = model
        self.nlp = spacy.load(model)

    def verify(self, stories: Sequence[Story]) -> list[list[dict[str, str]]]:
        """For each story, up to four planted entities found by the model with the planted label."""
        docs = self.nlp.pipe((s.body for s in stories), batch_size=32)
        result: list[list[dict[str, str]]] = []
        for story, doc in zip(stories, docs, strict=True):
            found = {(ent.text, ent.label_) for ent in doc.ents}
            result.append(_choose(story.candidates, found))
        return result


def _choose(
    candidates: Sequence[tuple[str, str]], found: set[tuple[str, str]]
) -> list[dict[str, str]]:
    """One found candidate per label round, first in planting order, at most four."""
    chosen: list[dict[str, str]] = []
    for label in _LABEL_ROUNDS:
        for text, want in candidates:
            item = {"text": text, "label": want}
            if want == label and (text, want) in found and item not in chosen:
                chosen.append(item)
                break
        if len(chosen) == MAX_ENTITIES:
            break
    return chosen
