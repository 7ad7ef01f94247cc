"""lab's own tests: the solution folder on sys.path (lab_data), for the tests that run the
notebook in-process."""
from support import put_solution_on_path

put_solution_on_path("lab")
