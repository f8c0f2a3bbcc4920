"""The error every layer raises for bad input: the settings and the commands alike. It lives
apart from the command line (pipeline/cli/exit_codes.py turns it into exit status 2) so that the
settings can raise it without importing the commands."""


class BadInputError(Exception):
    """Bad input or usage, found before anything ran; the message names the file, flag or
    field and what was expected."""
