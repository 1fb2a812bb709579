"""``python -m vmafref``: the ``vmafref`` command (:func:`vmafref.cli.console_main`)."""

import sys

from vmafref.cli import console_main

if __name__ == "__main__":
    sys.exit(console_main())
