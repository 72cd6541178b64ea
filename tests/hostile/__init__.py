"""Hostile inputs (issue 11): a corpus of bad report files, a runner with limits."""
