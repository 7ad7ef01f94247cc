"""The `references` verb: run solution/ through the sandbox (the same scenarios that grade
students) and save what it returns as the reference tensors."""
from .generate import generate_references

__all__ = ["generate_references"]
