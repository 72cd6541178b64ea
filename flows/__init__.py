"""Prefect flows: thin orchestration around plain functions."""
