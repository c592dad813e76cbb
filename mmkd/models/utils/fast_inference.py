"""The inference form of a frozen module: Conv+BN folded where it is exact, channels_last, torch.compile.

Everything happens in place and keeps the module's API and its state dict (keys *and* values):

* a ``Conv2d`` whose output is read only by an eval-mode ``BatchNorm2d`` becomes a
  :class:`FoldedConv2d` that applies the BN's affine map inside its weights; the BN becomes an
  :class:`AbsorbedBatchNorm` that passes its input through and keeps its parameters and running
  statistics under their old names. The folded weight is computed from the current tensors on each
  call (a multiply over the weights, negligible next to the convolution), so a later
  ``load_state_dict`` is honoured and no second copy of the weights is held;
* 4-d parameters are stored ``channels_last``, which the convolutions then follow;
* ``compile`` runs ``nn.Module.compile`` (in place, state dict unchanged) on the traced subtrees.

Which convolution feeds which BN is read from a ``torch.fx`` trace, never guessed from names: a
pair is folded only when the conv output has no other reader, both modules are called once and
live at one place in the tree. A subtree that does not trace is searched child by child. The
folding assumes, as every module in mmkd does, that submodules are only called by their parent's
``forward`` (nothing outside reads a conv output directly).
"""

from collections import Counter
from typing import Dict, List, Tuple, Union

import torch
import torch.fx as fx
import torch.nn as nn


class AbsorbedBatchNorm(nn.BatchNorm2d):
    """A ``BatchNorm2d`` whose eval-mode affine map has moved into the preceding :class:`FoldedConv2d`.

    It passes its input through and keeps its parameters and buffers (and so its state dict keys).
    """

    @classmethod
    def from_bn(cls, bn: nn.BatchNorm2d) -> 'AbsorbedBatchNorm':
        new = cls(bn.num_features, bn.eps, bn.momentum, bn.affine, bn.track_running_stats, device='meta')
        for name, param in bn.named_parameters(recurse=False):
            setattr(new, name, param)
        for name, buf in bn.named_buffers(recurse=False):
            setattr(new, name, buf)
        new.train(bn.training)
        return new

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """The original ``BatchNorm2d`` forward (used when folding is not exact, i.e. training)."""
        return super().forward(x)


class FoldedConv2d(nn.Conv2d):
    """A ``Conv2d`` followed by the eval-mode BN it absorbed: ``conv(x; w * s, (b - mu) * s + beta)``
    with ``s = gamma / sqrt(var + eps)``.

    The BN is held as a plain reference (not a submodule), so its tensors stay under the BN's own
    state dict keys. When the BN is in training mode the folding would not be exact, and the
    module computes ``bn(conv(x))`` instead.
    """

    @classmethod
    def from_pair(cls, conv: nn.Conv2d, bn: AbsorbedBatchNorm) -> 'FoldedConv2d':
        new = cls(
            conv.in_channels,
            conv.out_channels,
            conv.kernel_size,
            conv.stride,
            conv.padding,
            conv.dilation,
            conv.groups,
            bias=conv.bias is not None,
            padding_mode=conv.padding_mode,
            device='meta',
        )
        new.weight = conv.weight
        if conv.bias is not None:
            new.bias = conv.bias
        new.train(conv.training)
        object.__setattr__(new, 'absorbed_bn', bn)
        return new

    def folded_weight_and_bias(self) -> Tuple[torch.Tensor, torch.Tensor]:
        bn = self.absorbed_bn
        scale = torch.rsqrt(bn.running_var + bn.eps)
        if bn.weight is not None:
            scale = scale * bn.weight
        shift = -bn.running_mean * scale
        if bn.bias is not None:
            shift = shift + bn.bias
        if self.bias is not None:
            shift = shift + self.bias * scale
        return self.weight * scale.reshape(-1, 1, 1, 1), shift

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.absorbed_bn.training:
            return self.absorbed_bn.normalize(self._conv_forward(x, self.weight, self.bias))
        return self._conv_forward(x, *self.folded_weight_and_bias())


def _foldable(conv: nn.Module, bn: nn.Module) -> bool:
    # exact types only: subclasses may change what forward computes
    return (
        type(conv) is nn.Conv2d
        and type(bn) is nn.BatchNorm2d
        and bn.track_running_stats
        and bn.running_mean is not None
        and conv.out_channels == bn.num_features
    )


def _trace(module: nn.Module):
    try:
        return fx.Tracer().trace(module)
    except Exception:  # control flow on inputs, unsupported Python: search the children instead
        return None


def _has_hooks(*modules: nn.Module) -> bool:
    return any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks for m in modules)


def _search(module: nn.Module, prefix: str, shared: set, roots: List[str], pairs: List[Tuple[str, str]]) -> None:
    """Trace ``module`` (or, failing that, each child); collect traced roots and foldable pairs."""
    graph = _trace(module)
    if graph is None:
        for name, child in module.named_children():
            _search(child, f'{prefix}{name}.', shared, roots, pairs)
        return
    roots.append(prefix.rstrip('.'))
    named = dict(module.named_modules())
    calls = Counter(node.target for node in graph.nodes if node.op == 'call_module')
    for node in graph.nodes:
        if node.op != 'call_module' or len(node.args) != 1 or node.kwargs:
            continue
        src = node.args[0]
        if not (isinstance(src, fx.Node) and src.op == 'call_module' and len(src.users) == 1):
            continue
        conv, bn = named[src.target], named[node.target]
        if (
            _foldable(conv, bn)
            and calls[src.target] == 1
            and calls[node.target] == 1
            and id(conv) not in shared
            and id(bn) not in shared
            and not _has_hooks(conv, bn)
        ):
            pairs.append((prefix + src.target, prefix + node.target))


def _shared_modules(module: nn.Module) -> set:
    seen = Counter(id(m) for _, m in module.named_modules(remove_duplicate=False))
    return {k for k, count in seen.items() if count > 1}


def find_conv_bn_pairs(module: nn.Module) -> List[Tuple[str, str]]:
    """Names ``(conv, bn)`` of the Conv2d -> BatchNorm2d pairs of ``module`` that fold exactly."""
    pairs: List[Tuple[str, str]] = []
    _search(module, '', _shared_modules(module), [], pairs)
    return pairs


def traced_roots(module: nn.Module) -> List[str]:
    """Names of the largest submodules ``torch.fx`` traces whole (``''`` is ``module`` itself)."""
    roots: List[str] = []
    _search(module, '', set(), roots, [])
    return roots


def _replace(root: nn.Module, name: str, new: nn.Module) -> None:
    parent, _, child = name.rpartition('.')
    setattr(root.get_submodule(parent) if parent else root, child, new)


def fold_conv_bn(module: nn.Module) -> List[Tuple[str, str]]:
    """Fold every exact Conv2d -> BatchNorm2d pair of ``module`` in place (see the module docstring).

    Returns:
        list[tuple[str, str]]: the folded ``(conv, bn)`` names.
    """
    pairs = find_conv_bn_pairs(module)
    for conv_name, bn_name in pairs:
        bn = AbsorbedBatchNorm.from_bn(module.get_submodule(bn_name))
        _replace(module, bn_name, bn)
        _replace(module, conv_name, FoldedConv2d.from_pair(module.get_submodule(conv_name), bn))
    return pairs


def fast_inference(
    module: nn.Module, fold_bn: bool = True, channels_last: bool = True, compile: Union[bool, dict] = False
) -> nn.Module:
    """Turn a frozen (eval-mode) module into its inference form, in place.

    Outputs equal the eager module's within float rounding (folding is exact math; see
    tests/test_benchmark.py for the tolerances); the state dict keeps its keys and values.

    Args:
        module (nn.Module): the module, e.g. a distiller's teacher.
        fold_bn (bool): fold Conv2d -> BatchNorm2d pairs. Defaults to True.
        channels_last (bool): store 4-d parameters channels_last. Defaults to True.
        compile (bool | dict): ``nn.Module.compile`` every traceable subtree (a dict is passed to
            it as keyword arguments, e.g. ``dict(mode='max-autotune')``). Defaults to False.

    Returns:
        nn.Module: ``module`` itself.
    """
    if fold_bn:
        module.fast_inference_folded = fold_conv_bn(module)
    if channels_last:
        module.to(memory_format=torch.channels_last)
    if compile:
        kwargs: Dict = compile if isinstance(compile, dict) else {}
        for name in traced_roots(module):
            sub = module.get_submodule(name) if name else module
            if any(True for _ in sub.parameters()):
                sub.compile(**kwargs)
    return module
