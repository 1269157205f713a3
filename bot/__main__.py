"""`python -m bot` runs the `whosaid` command line."""

from bot.cli import main

raise SystemExit(main())
