"""Seaborn/matplotlib plot helpers, one module per analysis area."""
