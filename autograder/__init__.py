"""The autograder engine: grades submissions of any assignment it finds (autograder/assignments.py)
in a sandboxed worker against saved reference tensors. It names no assignment."""
