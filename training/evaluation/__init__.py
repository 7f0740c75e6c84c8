"""Scoring a model: dev sets as training selects on them, and the ``conflict-eval`` commands."""
