"""The ``zcps`` command line: the top layer. ``cli.main`` builds the app; nothing below imports ``cli``."""
