"""The command lines (``polymask train|merge|predict|evaluate`` and ``python -m trainer``)."""
