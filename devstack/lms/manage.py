#!/usr/bin/env python3
"""Command-line entry point of the stand-in LMS.

Like the real Open edX manage.py, the first argument names the service (`lms`) and is dropped.
"""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "standin.settings")
    args = sys.argv[:]
    if len(args) > 1 and args[1] == "lms":
        del args[1]
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
