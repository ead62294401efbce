"""`python -m monitor.replay FOLDER [--config FILE]`: serve captured feeds and pages on
127.0.0.1 (the server itself is `monitor.tools.replay`; this name is the documented command)."""

from monitor.tools.replay import main

if __name__ == "__main__":
    main()
