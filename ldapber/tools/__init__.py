"""Command-line tools built on the codec: ``python -m ldapber decode``."""
