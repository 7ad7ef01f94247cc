"""cw3's own tests import its solution (``import cw3_mlp``)."""
from support import put_solution_on_path

SOLUTION_DIR = put_solution_on_path("cw3")
