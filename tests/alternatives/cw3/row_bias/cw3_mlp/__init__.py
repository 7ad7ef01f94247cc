"""CW3 alternative-correct submission: biases kept as (1, out_dim) rows.

This __init__ re-exports nothing: the classes live in the four modules the handout names.
Also written apart from solution/cw3: einsum products, a float ReLU mask, the sigmoid as
0.5 * (1 + tanh(x / 2)), the loss through np.logaddexp.reduce, and out= updates in SGD.
"""
