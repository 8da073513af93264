"""``nn.Module``: the base class of layers and models.

A Module registers the Parameters, buffers and submodules assigned to it (in
``__setattr__``), so that ``parameters()``, ``state_dict()``, ``train()``/``eval()`` and
``to()`` reach everything inside it, with dotted names such as ``"0.weight"``.
"""
from __future__ import annotations

import difflib
import warnings
import weakref
from collections import OrderedDict, namedtuple
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from ..device import check_device, device
from ..dtype import to_numpy_dtype
from ..tensor import Tensor, bump_version, set_array, unwrap, wrap, zero_grads
from . import hooks as _hooks
from .parameter import Parameter

_FREEZE_HINT = (
    "Setting {cls}.{name} would only store a plain attribute that freezes nothing (the "
    "parameters keep requires_grad=True and keep training). To freeze: "
    "module.requires_grad_(False) or minitorch.nn.freeze(module); to unfreeze: "
    "module.requires_grad_(True) or minitorch.nn.unfreeze(module)."
)
# Names that look like a per-module requires_grad switch: refused, see _FREEZE_HINT.
_FREEZE_TRAPS = frozenset({"requires_grad", "require_grad", "requires_grads", "requiresgrad"})


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys that were missing and unexpected."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


# The modules that hold each parameter, weakly: lets freeze() warn about tied weights held
# by layers outside the module it was given, without scanning the whole heap. Keyed by id
# (a Tensor's == is elementwise, so tensors cannot be compared as dict keys).
_HOLDERS: dict[int, tuple[weakref.ref, weakref.WeakSet]] = {}


def _note_holder(param: Parameter, module: "Module") -> None:
    key = id(param)
    entry = _HOLDERS.get(key)
    if entry is None or entry[0]() is not param:
        entry = (weakref.ref(param, lambda _, key=key: _HOLDERS.pop(key, None)), weakref.WeakSet())
        _HOLDERS[key] = entry
    entry[1].add(module)


def held_parameters() -> list[Parameter]:
    """Every live Parameter that has been assigned to some module (a snapshot, in the order
    they were first assigned): what the optimizer guard scans for parameters no optimizer
    holds."""
    return [p for p in (ref() for ref, _ in list(_HOLDERS.values())) if p is not None]


def parameter_holders(param: Tensor) -> list["Module"]:
    """The live modules that hold ``param`` as one of their own parameters."""
    entry = _HOLDERS.get(id(param))
    if entry is None or entry[0]() is not param:
        return []
    return [m for m in entry[1]
            if any(p is param for p in m.__dict__.get("_parameters", {}).values())]


class Module:
    """Base class for layers and models: subclass it, assign layers in ``__init__`` and
    write ``forward``.

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = nn.Linear(3, 2)
    ...     def forward(self, x):
    ...         return self.fc(x).relu()
    >>> net = Net()
    >>> [name for name, _ in net.named_parameters()]
    ['fc.weight', 'fc.bias']
    >>> net(mt.zeros(4, 3)).shape
    (4, 2)
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, "Module | None"]

    def __init__(self) -> None:
        # object.__setattr__: the registries must exist before __setattr__ can use them.
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", {})
        set_(self, "_buffers", {})
        set_(self, "_non_persistent_buffers", set())
        set_(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function: '
            f"define forward(self, ...) in the class"
        )

    _hooked = False  # True once a hook is registered: __call__ then runs them

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._hooked:
            return _hooks.call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    # ----------------------------------------------------------------- hooks
    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> _hooks.RemovableHandle:
        """Call ``hook(module, args)`` before ``forward``; a value it returns replaces the
        positional args (a tuple, or one value). ``with_kwargs=True``: ``hook(module, args,
        kwargs)`` returning None or ``(args, kwargs)``. ``prepend``: run before the others.

        >>> import minitorch as mt
        >>> layer = mt.nn.Identity()
        >>> h = layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        >>> layer(mt.tensor([1.0])).tolist()
        [2.0]
        >>> h.remove()
        """
        return _hooks.register(self, "_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> _hooks.RemovableHandle:
        """Call ``hook(module, args, output)`` after ``forward``; a value it returns replaces
        the output. ``with_kwargs=True``: ``hook(module, args, kwargs, output)``.
        ``always_call=True``: also run when ``forward`` raises. Returns a handle whose
        ``remove()`` unregisters the hook.

        >>> import minitorch as mt
        >>> seen = []
        >>> layer = mt.nn.Linear(3, 2)
        >>> h = layer.register_forward_hook(lambda m, args, out: seen.append(out.shape))
        >>> _ = layer(mt.zeros(4, 3)); seen
        [(4, 2)]
        >>> h.remove()
        """
        return _hooks.register(self, "_forward_hooks", hook, prepend, with_kwargs, always_call)

    def register_full_backward_hook(self, hook: Callable,
                                    prepend: bool = False) -> _hooks.RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to
        the module's inputs are computed; a tuple it returns replaces ``grad_input``.
        ``grad_input`` has one entry per positional tensor argument, None for one that does
        not require grad (an input batch, the output of a frozen body)."""
        return _hooks.register(self, "_backward_hooks", hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable,
                                        prepend: bool = False) -> _hooks.RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients with respect to the
        module's outputs are computed; a tuple it returns replaces ``grad_output``."""
        return _hooks.register(self, "_backward_pre_hooks", hook, prepend)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if name in _FREEZE_TRAPS:
            raise AttributeError(_FREEZE_HINT.format(cls=type(self).__name__, name=name))
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError(_before_init(self, "parameters"))
            _remove_from(self, name, d, self._buffers, self._modules)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as parameter {name!r} of "
                    f"{type(self).__name__} (nn.Parameter or None expected); to replace the "
                    f"values, use `with minitorch.no_grad(): {name}.copy_(new_values)` or "
                    f"assign nn.Parameter(new_values)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError(_before_init(self, "submodules"))
            _remove_from(self, name, d, params, self._buffers)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as child module {name!r} of "
                    f"{type(self).__name__} (a Module or None expected)"
                )
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as buffer {name!r} of "
                    f"{type(self).__name__} (a Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            _warn_unregistered(self, name, value)
            object.__setattr__(self, name, value)

    def __setstate__(self, state: dict) -> None:
        # copy.deepcopy and unpickling fill __dict__ directly: note the new holders too.
        self.__dict__.update(state)
        for param in state.get("_parameters", {}).values():
            if param is not None:
                _note_holder(param, self)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: registered names live in the three dicts.
        d = self.__dict__
        if "_parameters" in d:
            params = d["_parameters"]
            if name in params:
                return params[name]
            buffers = d["_buffers"]
            if name in buffers:
                return buffers[name]
            modules = d["_modules"]
            if name in modules:
                return modules[name]
        elif not name.startswith("__"):
            raise AttributeError(_before_init(self, "anything"))
        if name.startswith("__"):
            raise AttributeError(name)  # protocol probes (copy, pickle): no hint needed
        raise AttributeError(_unknown_attribute(self, name))

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        names.update(self._parameters, self._buffers, self._modules)
        return sorted(n for n in names if not n[:1].isdigit())

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a Parameter, or None for an absent one) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(_before_init(self, "parameters"))
        _check_name(self, name, "parameter", self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign a {type(param).__name__} as parameter {name!r} "
                f"(nn.Parameter or None required): wrap it as nn.Parameter(tensor)"
            )
        self._parameters[name] = param
        if param is not None:
            _note_holder(param, self)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a tensor that is state but not a parameter (e.g. running statistics).

        Buffers move with ``to()`` and are saved in ``state_dict()`` unless
        ``persistent=False``; optimizers never see them.

        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> m = nn.Module()
        >>> m.register_buffer("steps", mt.zeros(1))
        >>> list(m.state_dict())
        ['steps']
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError(_before_init(self, "buffers"))
        _check_name(self, name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot register a {type(tensor).__name__} as buffer {name!r} "
                f"(a Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Register ``module`` as a child under ``name`` (same as ``setattr``)."""
        if "_modules" not in self.__dict__:
            raise AttributeError(_before_init(self, "submodules"))
        if not isinstance(name, str):
            raise TypeError(f"module name should be a str, got {type(name).__name__}")
        _check_name(self, name, "module", self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        """The submodule at a dotted path, e.g. ``model.get_submodule("encoder.0")``."""
        module = self
        if target == "":
            return module
        for part in target.split("."):
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} "
                                     f"(looking for {target!r})")
            module = child
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path, e.g. ``model.get_parameter("0.weight")``."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters or module._parameters[name] is None:
            raise AttributeError(f"{type(module).__name__} has no parameter {name!r}")
        return module._parameters[name]  # type: ignore[return-value]

    # ----------------------------------------------------------------- traversal
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """Yield ``(dotted_name, module)`` for this module and every descendant, once each."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(
                memo, prefix + ("." if prefix else "") + name, remove_duplicate
            )

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator["Module"]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, parameter)``; a parameter shared by two layers comes once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield every parameter once (what an optimizer needs)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ----------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> "Module":
        """Set training mode here and in every descendant; ``requires_grad`` is untouched."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be a bool, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode (Dropout off, BatchNorm uses running statistics); freezes nothing."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Set ``requires_grad`` on every parameter (freeze with False); returns the module.

        >>> from minitorch import nn
        >>> m = nn.Linear(2, 2).requires_grad_(False)
        >>> [p.requires_grad for p in m.parameters()]
        [False, False]
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (to None, or to zeros in place)."""
        zero_grads(self.parameters(), set_to_none)

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        """Call ``fn`` on every submodule (children first), then on this module; returns it.

        >>> from minitorch import nn
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> _ = net.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
        >>> float(net[0].weight.abs().sum())
        0.0
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------- dtype / device
    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """Convert floating parameters and buffers to a dtype, in place; ``'cpu'`` is a no-op.

        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> nn.Linear(2, 2).to("cpu", dtype=mt.float64).weight.dtype
        minitorch.float64
        """
        target = kwargs.pop("dtype", None)
        check_device(kwargs.pop("device", None))
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"Module.to() got unexpected arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                target = arg.dtype
            elif isinstance(arg, (str, device)):
                check_device(arg)
            else:
                target = arg
        if target is None:
            return self
        np_dtype = to_numpy_dtype(target)
        if np_dtype.kind != "f":
            raise TypeError(
                f"Module.to only accepts floating point dtypes, got {target}: integer "
                f"parameters cannot require grad"
            )
        return self._cast(np_dtype)

    def _cast(self, np_dtype: np.dtype) -> "Module":
        for t in list(self.parameters()) + list(self.buffers()):
            array = unwrap(t)
            if array.dtype.kind == "f" and array.dtype != np_dtype:
                # Same Parameter objects, new storage: optimizers holding them still work.
                set_array(t, array.astype(np_dtype))
                bump_version(t, "to")
                if t.grad is not None:
                    t.grad = wrap(unwrap(t.grad).astype(np_dtype))  # of t's new dtype
        return self

    def float(self) -> "Module":
        return self._cast(np.dtype(np.float32))

    def double(self) -> "Module":
        return self._cast(np.dtype(np.float64))

    def half(self) -> "Module":
        return self._cast(np.dtype(np.float16))

    def cpu(self) -> "Module":
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> "Module":
        device("cuda")  # raises the CPU-only error
        return self

    # ----------------------------------------------------------------- state dict
    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Parameters and persistent buffers by dotted name, as detached copies.

        They are copies, so a state dict kept as "the best model so far" does not change
        when training continues. A parameter shared by two layers appears under both names,
        as in PyTorch.

        >>> from minitorch import nn
        >>> list(nn.Linear(3, 2).state_dict())
        ['weight', 'bias']
        """
        out: OrderedDict[str, Tensor] = OrderedDict() if destination is None else destination
        for name, value in self._state_items(prefix):
            out[name] = value if keep_vars else wrap(unwrap(value).copy())
        return out

    def _state_items(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """Every ``(dotted_name, tensor)`` a state dict holds (shared tensors under each name)."""
        for module_prefix, module in self.named_modules(prefix=prefix, remove_duplicate=False):
            dot = module_prefix + ("." if module_prefix else "")
            for name, p in module._parameters.items():
                if p is not None:
                    yield dot + name, p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    yield dot + name, b

    def load_state_dict(self, state_dict: Mapping[str, Any],
                        strict: bool = True) -> _IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        Every problem (missing keys, unexpected keys, shape mismatches) is reported in one
        RuntimeError, and a failed load changes nothing. With ``strict=False`` missing and
        unexpected keys are allowed and returned; shape mismatches still raise.

        >>> from minitorch import nn
        >>> a, b = nn.Linear(2, 2), nn.Linear(2, 2)
        >>> b.load_state_dict(a.state_dict())
        <All keys matched successfully>
        >>> bool((a.weight == b.weight).all())
        True
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"Expected state_dict to be a dict-like (Mapping), got "
                f"{type(state_dict).__name__}"
            )
        own = dict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        staged = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = unwrap(value) if isinstance(value, Tensor) else value
            if not isinstance(array, (np.ndarray, np.generic)):
                errors.append(
                    f"value for {key!r} is a {type(value).__name__}, expected a Tensor "
                    f"(or a numpy array)"
                )
                continue
            if array.shape != unwrap(target).shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {array.shape} "
                    f"from checkpoint, the shape in current model is {unwrap(target).shape}."
                )
                continue
            staged.append((target, array))
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                             + ", ".join(f'"{k}"' for k in missing) + ".")
        if strict and unexpected:
            errors.insert(len(missing) > 0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if errors:
            hint = _load_hint(missing, unexpected, state_dict)
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
                + (f"\n{hint}" if hint else "")
                + "\nNothing was loaded: the module is unchanged."
            )
        # Everything checked: now write, in place (optimizers keep the same Parameters).
        casted = [(t, np.asarray(a, dtype=unwrap(t).dtype)) for t, a in staged]
        for target, array in casted:
            np.copyto(unwrap(target), array)
            bump_version(target, "load_state_dict")
        return _IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr`` (layers override it)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + _indent(repr(module), 2) for name, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


def _indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])


def _before_init(module: Module, what: str) -> str:
    return (
        f"cannot assign {what} to {type(module).__name__} before Module.__init__() call: "
        f"call super().__init__() first thing in {type(module).__name__}.__init__"
    )


def _unknown_attribute(module: Module, name: str) -> str:
    known = [*module._parameters, *module._buffers, *module._modules, *module.__dict__,
             *dir(type(module))]
    message = f"'{type(module).__name__}' object has no attribute '{name}'"
    close = difflib.get_close_matches(name, [k for k in known if not k.startswith("__")], n=1)
    if close:
        message += f"; did you mean '{close[0]}'?"
    return message


def _check_name(module: Module, name: str, kind: str, registry: dict) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a str, got {type(name).__name__}")
    if name == "" or "." in name:
        raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')
    if name in _FREEZE_TRAPS:
        raise AttributeError(_FREEZE_HINT.format(cls=type(module).__name__, name=name))
    if hasattr(type(module), name) or (name in module.__dict__ and name not in registry):
        raise KeyError(f"attribute {name!r} already exists on {type(module).__name__}")
    for other in (module._parameters, module._buffers, module._modules):
        if other is not registry and name in other:
            raise KeyError(f"attribute {name!r} already exists on {type(module).__name__}")


def _remove_from(module: Module, name: str, *registries: dict) -> None:
    for registry in registries:
        if name in registry:
            del registry[name]
    module._non_persistent_buffers.discard(name)


def _warn_unregistered(module: Module, name: str, value: Any) -> None:
    """Warn about values that look trainable but that parameters() will never yield."""
    where = f"{type(module).__name__}.{name}"
    # Leaves only: a computed tensor kept in forward (self.attention = weights) is fine.
    if isinstance(value, Tensor) and value.requires_grad and value.is_leaf:
        warnings.warn(
            f"{where} is a Tensor that requires grad but is not an nn.Parameter: "
            f"model.parameters() will not yield it, so optimizer(model.parameters()) will "
            f"never train it, and state_dict() will not save it. Wrap it in nn.Parameter: "
            f"self.{name} = nn.Parameter(tensor) (for a computed tensor, "
            f"nn.Parameter(tensor.detach())); for a constant, use register_buffer.",
            UserWarning,
            stacklevel=3,
        )
    elif isinstance(value, (list, tuple)) and any(isinstance(v, Module) for v in value):
        warnings.warn(
            f"{where} is a plain {type(value).__name__} of Modules: they are not registered, "
            f"so their parameters are not in model.parameters() or state_dict(). Use "
            f"nn.ModuleList(...) (or nn.Sequential(...)) instead.",
            UserWarning,
            stacklevel=3,
        )
    elif isinstance(value, (list, tuple)) and any(isinstance(v, Parameter) for v in value):
        warnings.warn(
            f"{where} is a plain {type(value).__name__} of Parameters: they are not "
            f"registered, so model.parameters() will not yield them. Assign each one as "
            f"an attribute, or register it with register_parameter(name, p).",
            UserWarning,
            stacklevel=3,
        )


def _load_hint(missing: list[str], unexpected: list[str], state_dict: Mapping) -> str:
    """Spot the usual causes of key mismatches: a wrapped checkpoint or a name prefix."""
    if missing and any(isinstance(state_dict[k], Mapping) for k in unexpected):
        key = next(k for k in unexpected if isinstance(state_dict[k], Mapping))
        return (f"Hint: {key!r} holds a dict: this looks like a whole checkpoint; pass the "
                f"model's entry, e.g. model.load_state_dict(checkpoint[{key!r}]).")
    for u in unexpected:
        for m in missing:
            if u.endswith("." + m):
                prefix = u[: -len(m)]
                return (f"Hint: checkpoint keys carry an extra prefix {prefix!r}; strip it: "
                        f"{{k.removeprefix({prefix!r}): v for k, v in sd.items()}}.")
            if m.endswith("." + u):
                prefix = m[: -len(u)]
                return (f"Hint: the model's keys start with {prefix!r} but the checkpoint's "
                        f"do not; load into the submodule, e.g. "
                        f"model.get_submodule({prefix[:-1]!r}).load_state_dict(sd).")
    return ""
