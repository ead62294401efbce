"""Tools around the monitor: the demo, the replay server of captured feeds, and the
evaluation of each stage against labelled data (`monitor eval`)."""
