"""The Result of grading one submission and its views (JSON, Gradescope, PrairieLearn, Autolab,
table, CSV)."""
from .autolab import autolab_line
from .csv_view import csv_header, csv_row, csv_text
from .csv_view import write as write_csv
from .gradescope import to_gradescope
from .html_view import to_html, write_feedback
from .gradescope import write as write_gradescope
from .json_view import to_json
from .json_view import read as read_json
from .json_view import write as write_json
from .model import CaseResult, GradeResult, ItemResult, ResultFormatError, error_result
from .prairielearn import to_prairielearn
from .prairielearn import write as write_prairielearn
from .scoring import round2
from .table import terminal_width, to_details, to_table, use_color

__all__ = [
    "CaseResult", "ItemResult", "GradeResult", "ResultFormatError",
    "error_result", "round2",
    "to_json", "write_json", "read_json",
    "to_gradescope", "write_gradescope", "to_html", "write_feedback",
    "to_prairielearn", "write_prairielearn",
    "autolab_line",
    "to_table", "to_details", "terminal_width", "use_color",
    "csv_header", "csv_row", "csv_text", "write_csv",
]
