"""The autograder: grades MLP/backprop submissions in a sandboxed worker against saved reference tensors."""
