"""Compose: a digest as a value — its inputs gathered once from the store (inputs.py), then
built without further reading (digest.py): key sentences (summarize.py) and the day's
highlights (highlights.py, with the word rules of phrases.py)."""
