"""The spaCy entity labels newsflow reasons about, in one place that imports no spaCy."""

from __future__ import annotations

#: Labels that name something; the others (DATE, MONEY, CARDINAL, ...) are numeric.
NAME_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)
#: The labels the model gives a lone surname: PERSON, and those it mistakes one for.
SHORT_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP"})
#: Places: countries, cities and states (GPE); continents, regions, seas (LOC).
PLACE_LABELS = frozenset({"GPE", "LOC"})
