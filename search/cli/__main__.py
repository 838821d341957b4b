"""`python -m search.cli …` runs the `tracuu` command."""
import sys

from search.cli.app import main

sys.exit(main())
