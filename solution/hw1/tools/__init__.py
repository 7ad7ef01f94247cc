"""Provided helpers (not part of the assignment): data loading, plots, gradient checking."""
