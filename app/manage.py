#!/usr/bin/env python
"""Django's command-line utility for the identifier project."""

import os
import sys


def main() -> None:
    from identifier.environment import load_or_exit

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "identifier.settings")
    load_or_exit()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
