"""Folding place names to a comparison key that ignores accents, case, punctuation and "St"/"Saint"."""

from __future__ import annotations

import re
import unicodedata

# Ligatures NFKD does not split but French names use (Escornebœuf, Lœuilly).
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})

# Abbreviations people write in addresses; matched as whole words after folding.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}

# "Isle-Jourdain (L')" is how some registers and spreadsheets write "L'Isle-Jourdain".
_TRAILING_ARTICLE = re.compile(r"^(?P<name>.*?)\s*\((?P<article>l'|l’|le|la|les)\)\s*$", re.IGNORECASE)

# Postal addresses often carry "CEDEX" (+ office number) after the town: not part of the name.
_CEDEX = re.compile(r"\bcedex(\s*\d+)?\s*$")

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold_words(text: str) -> list[str]:
    """Lower-case ASCII words of a name, with Saint/Sainte abbreviations expanded."""
    # The cheap "in" tests skip regexes and translations most names do not need: the 35,000 names of
    # the communes table are folded at load time.
    if "(" in text:
        match = _TRAILING_ARTICLE.match(text.strip())
        if match:
            text = f"{match['article']} {match['name']}"
    if not text.isascii():
        # Decompose accented letters and drop what is not ASCII (the accents); any other non-ASCII
        # character would have ended up a word separator anyway.
        text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
        text = text.encode("ascii", "ignore").decode("ascii")
    text = text.lower()
    if "cedex" in text:
        text = _CEDEX.sub("", text)
    return [_ABBREVIATIONS.get(word, word) for word in _NON_ALNUM.split(text) if word]


def name_key(text: str) -> str:
    """Comparison key of a place name: words glued together, so "Lisle Jourdain" meets "L'Isle-Jourdain"."""
    return "".join(fold_words(text))
