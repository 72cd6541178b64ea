"""Errors that gongkai raises on purpose: a refusal says what is wrong in words, shown as it is."""


class Refusal(Exception):
    """An input or a request that gongkai refuses, with the reason in words (the CLI prints only that)."""
