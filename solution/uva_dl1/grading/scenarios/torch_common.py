"""What the uva_dl1 PyTorch case families share. Only float arrays leave the sandbox: every
tensor is converted with .detach().double().cpu().numpy() here, on the worker side.

torch itself is imported inside each function: the trusted side imports the families (and so
this module) for their ``check`` and must not pay for torch. (The families' own modules are
imported before any case, in the worker; a case may import torch, which the policy allows, but
not a module of the grader's.)
"""
from __future__ import annotations

import sys

import numpy as np

from autograder.scenarios.toolkit import ContractError, describe

from .common import snapshot


def _warm_up_gradcheck() -> None:
    """torch.autograd.gradcheck imports SymPy and ~500 modules on its first call (1.5 s). In
    the worker, which imports the allowed libraries before the families, that happens here,
    once, before the cases fork (and outside their time limits), not in every case process.
    Where torch is not imported yet (the trusted side), nothing is done."""
    torch = sys.modules.get("torch")
    if torch is None:
        return
    probe = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(lambda t: t * 2.0, (probe,))


_warm_up_gradcheck()


def to_array(value, name: str) -> np.ndarray:
    """A float64 copy of a tensor (or of anything snapshot accepts), taken now."""
    import torch
    if isinstance(value, torch.Tensor):
        return snapshot(value.detach().double().cpu().numpy(), name)
    return snapshot(value, name)


def tensor(array: np.ndarray, requires_grad: bool = False) -> "torch.Tensor":
    import torch
    return torch.tensor(np.asarray(array, dtype=np.float64), dtype=torch.float64,
                        requires_grad=requires_grad)


def modules_of(model, kind) -> list:
    """The submodules of ``model`` of type ``kind``, in registration order."""
    import torch
    if not isinstance(model, torch.nn.Module):
        raise ContractError(f"expected an nn.Module, got {describe(model)}")
    return [m for m in model.modules() if isinstance(m, kind)]


def fill(parameter, array: np.ndarray, name: str) -> None:
    """Copy ``array`` into a parameter (or buffer) of the same number of elements, in place."""
    import torch
    if not isinstance(parameter, torch.Tensor) or parameter.numel() != array.size:
        raise ContractError(f"{name} must be a tensor of {array.size} values; got "
                            f"{describe(parameter)}")
    with torch.no_grad():
        parameter.copy_(torch.from_numpy(np.ascontiguousarray(array)).reshape(parameter.shape))


def named_parameter(module, name: str, size: int, where: str):
    """``module.<name>``, which must be an nn.Parameter of ``size`` values."""
    import torch
    value = getattr(module, name, None)
    if not isinstance(value, torch.nn.Parameter) or value.numel() != size:
        got = describe(value) if hasattr(module, name) else "no such attribute"
        raise ContractError(f"after {where}, {name} must be an nn.Parameter of {size} values "
                            f"(register it in __init__ as self.{name}); got {got}")
    return value


def raises(function, *args) -> bool:
    """Whether calling ``function(*args)`` raises an exception (of any kind but
    NotImplementedError, which a stub raises whatever its input: that fails the case)."""
    try:
        function(*args)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001  (the course asks for a check, not a particular exception)
        return True
    return False
