"""hw1's own tests import its solution (``import mlp``, ``from tools.data import ...``)."""
from support import put_solution_on_path

SOLUTION_DIR = put_solution_on_path("hw1")
