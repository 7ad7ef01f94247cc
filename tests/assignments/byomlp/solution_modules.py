"""The byomlp solution's modules, loaded by path under names of their own: its mlp.py would
clash with hw1's mlp package on sys.path (support.put_solution_on_path refuses)."""
import importlib.util
import sys

from support import assignment

SOLUTION_DIR = assignment("byomlp").solution_dir


def load_solution_module(stem: str):
    """solution/byomlp/<stem>.py as the module ``_byomlp_<stem>`` (loaded once)."""
    name = f"_byomlp_{stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SOLUTION_DIR / f"{stem}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
