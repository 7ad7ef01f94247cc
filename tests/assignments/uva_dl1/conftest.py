"""uva_dl1's own tests import its solution's flat code folder (``import modules``)."""
from support import assignment

import sys

CODE_DIR = assignment("uva_dl1").solution_dir / assignment("uva_dl1").shape.package
if str(CODE_DIR) not in sys.path:
    sys.path.insert(0, str(CODE_DIR))
