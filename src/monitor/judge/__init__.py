"""Judge: deciding about articles — on topic or not (topic.py), the same text as another
(dedupe.py), the same event as others (cluster.py, with its evidence in features.py)."""
