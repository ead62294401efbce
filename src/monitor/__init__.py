"""monitor: a topic news monitor that writes a daily digest quoted from its sources."""

__version__ = "0.1.0"
