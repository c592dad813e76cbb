from collections import OrderedDict
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS

from .resnet_cifar import CIFARBackbone


class PreActConv(nn.Sequential):
    """BN-ReLU-Conv (no conv bias), HCGNet's basic conv unit.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Kernel size.
        stride (int): Stride. Defaults to 1.
        dilation (int): Dilation. Defaults to 1.
        groups (int): Conv groups. Defaults to 1.
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, dilation: int = 1, groups: int = 1
    ):
        padding = dilation * (kernel_size - 1) // 2
        super().__init__(
            OrderedDict(
                bn=nn.BatchNorm2d(in_channels),
                relu=nn.ReLU(inplace=True),
                conv=nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias=False),
            )
        )


def global_context(x: torch.Tensor, attention: nn.Module) -> torch.Tensor:
    """Attention pooling of GCNet: ``sum_j softmax_j(W x_j) x_j``, shape (B, C, 1, 1)."""
    weights = F.softmax(attention(x).flatten(1), dim=1)  # (B, H*W)
    return torch.einsum('bcn,bn->bc', x.flatten(2), weights)[..., None, None]


class GatedCell(nn.Module):
    """HCGNet's gated cell: a forget gate decays the input (the reused features) and an update gate adds
    its multi-scale global context (the new features).

    Forget gate: GCNet's attention pooling, a ``C -> C / forget_factor -> C`` bottleneck (1x1 convs with
    bias, BatchNorm1d + tanh in the middle) and a sigmoid give a channel-wise decay. Update gate: a
    depthwise 3x3 and a dilated (rate 2) depthwise 3x3 BN-ReLU-Conv, each pooled by attention; their
    concatenation goes through a ``2C -> 2C / reduction_factor`` layer (BatchNorm1d + tanh) and two
    ``-> C`` heads whose softmax over the two scales weights the two pooled contexts. As in GCNet's
    context block, the resulting (B, C, 1, 1) context is added at every position:
    ``out = x * forget + context``.

    Args:
        channels (int): Input and output channels.
        forget_factor (int): Reduction of the forget gate's bottleneck.
        reduction_factor (int): Reduction of the update gate's bottleneck (of ``2C``).
    """

    def __init__(self, channels: int, forget_factor: int, reduction_factor: int):
        super().__init__()
        forget_mid, update_mid = channels // forget_factor, 2 * channels // reduction_factor
        # forget gate
        self.forget_context = nn.Conv2d(channels, 1, 1)
        self.forget_fc1 = nn.Conv2d(channels, forget_mid, 1)
        self.forget_bn = nn.BatchNorm1d(forget_mid)
        self.forget_fc2 = nn.Conv2d(forget_mid, channels, 1)
        # update gate
        self.conv_3x3 = PreActConv(channels, channels, 3, groups=channels)
        self.conv_5x5 = PreActConv(channels, channels, 3, dilation=2, groups=channels)
        self.context_3x3 = nn.Conv2d(channels, 1, 1)
        self.context_5x5 = nn.Conv2d(channels, 1, 1)
        self.update_fc = nn.Conv2d(2 * channels, update_mid, 1)
        self.update_bn = nn.BatchNorm1d(update_mid)
        self.fc_3x3 = nn.Conv2d(update_mid, channels, 1)
        self.fc_5x5 = nn.Conv2d(update_mid, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        forget = self.forget_fc1(global_context(x, self.forget_context))
        forget = torch.tanh(self.forget_bn(forget.flatten(1)))[..., None, None]
        forget = torch.sigmoid(self.forget_fc2(forget))

        ctx_3x3 = global_context(self.conv_3x3(x), self.context_3x3)
        ctx_5x5 = global_context(self.conv_5x5(x), self.context_5x5)
        update = self.update_fc(torch.cat([ctx_3x3, ctx_5x5], dim=1))
        update = torch.tanh(self.update_bn(update.flatten(1)))[..., None, None]
        scale = F.softmax(torch.stack([self.fc_3x3(update), self.fc_5x5(update)]), dim=0)
        return x * forget + scale[0] * ctx_3x3 + scale[1] * ctx_5x5


class SMG(nn.Module):
    """HCGNet's SMG module; adds ``growth_rate`` maps to its input (concat, the global dense
    connectivity).

    The squeeze cell narrows the input in two steps (BN-ReLU-Conv ``1x1 -> 4k`` and grouped
    ``3x3 -> k``); a :class:`GatedCell` (forget factor 2, update reduction 2) fuses these reused features
    with their multi-scale excitation (the local residual connectivity).

    Args:
        in_channels (int): Input channels.
        growth_rate (int): Channels the module adds (``k``).
        bn_size (int): Width of the 1x1 conv, in units of ``k``. Defaults to 4.
        groups (int): Groups of the 3x3 conv. Defaults to 4.
    """

    def __init__(self, in_channels: int, growth_rate: int, bn_size: int = 4, groups: int = 4):
        super().__init__()
        width = bn_size * growth_rate
        self.squeeze = nn.Sequential(
            PreActConv(in_channels, width, 1), PreActConv(width, growth_rate, 3, groups=groups)
        )
        self.cell = GatedCell(growth_rate, forget_factor=2, reduction_factor=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.cell(self.squeeze(x))], dim=1)


class HybridBlock(nn.Sequential):
    """``num_layers`` densely connected :class:`SMG` modules (``in_channels + num_layers * k`` out).

    Args:
        in_channels (int): Input channels.
        num_layers (int): Number of SMG modules.
        growth_rate (int): Channels each module adds.
    """

    def __init__(self, in_channels: int, num_layers: int, growth_rate: int):
        super().__init__(*[SMG(in_channels + i * growth_rate, growth_rate) for i in range(num_layers)])
        self.out_channels = in_channels + num_layers * growth_rate


class HCGTransition(nn.Module):
    """HCGNet's transition: BN-ReLU-Conv1x1 to the mean of the input and output widths, a (strided)
    BN-ReLU-Conv3x3 to ``out_channels``, then a :class:`GatedCell` (forget and update factors 4).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the 3x3 conv. Defaults to 2.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 2):
        super().__init__()
        mid = in_channels - (in_channels - out_channels) // 2
        self.conv1 = PreActConv(in_channels, mid, 1)
        self.conv2 = PreActConv(mid, out_channels, 3, stride=stride)
        self.cell = GatedCell(out_channels, forget_factor=4, reduction_factor=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cell(self.conv2(self.conv1(x)))


@MODELS.register_module()
class CIFARHCGNet(CIFARBackbone):
    """HCGNet for CIFAR (Yang et al., "Gated Convolutional Networks with Hybrid Connectivity for
    Image Classification", AAAI 2020).

    A 3x3 conv stem with ``2 * k_1`` channels, three hybrid blocks of densely connected SMG modules
    (growth rates ``k_i``) joined by gated transitions (compression 0.5, a stride-2 3x3 conv), and a
    final BN + ReLU as ``post``. HCGNet-A1 (growth rates 12/24/36, 8/8/8 modules) has
    24 -> 120 -> 252 -> 414 channels and, with a 100-class linear classifier, 1.10M parameters; A2 and
    A3 have 3.13M and 11.36M (the paper's 1.1M, 3.1M and 11.4M).

    The paper leaves the gates' layer shapes open; they follow the public reference implementation:
    attention pooling by a 1x1 conv and a spatial softmax, bottlenecks of 1x1 convs with bias and
    BatchNorm1d + tanh (so a gated module needs more than one sample per batch in training mode), and
    an update gate whose output is a (B, C, 1, 1) context added at every position, as in GCNet.

    The stages are ``[block 1]``, ``[transition 1, block 2]`` and ``[transition 2, block 3]`` (strides
    1/2/2), so a branch after block ``i`` copies transition ``i`` onwards (MixSKD's HCGNet layout) and
    every stage is rebuilt alone by :meth:`make_stage`. A transition always maps to the
    width its block receives in the backbone; ``stride=1`` makes its 3x3 conv stride 1. The first stage
    has no transition: it only accepts its backbone input width and stride 1.

    Args:
        arch (str): One of :attr:`arch_zoo`, used when ``growth_rates`` is None. Defaults to 'a1'.
        growth_rates (Sequence[int], optional): Growth rate of every hybrid block.
        num_layers (Sequence[int], optional): SMG modules of every hybrid block (with
            ``growth_rates``).
        compression (float): Width ratio of a transition's output to its input. Defaults to 0.5.
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    arch_zoo = {
        'a1': dict(growth_rates=(12, 24, 36), num_layers=(8, 8, 8)),
        'a2': dict(growth_rates=(24, 36, 64), num_layers=(8, 8, 8)),
        'a3': dict(growth_rates=(36, 48, 80), num_layers=(12, 12, 12)),
    }

    def __init__(
        self,
        arch: str = 'a1',
        growth_rates: Optional[Sequence[int]] = None,
        num_layers: Optional[Sequence[int]] = None,
        compression: float = 0.5,
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if growth_rates is None:
            if arch not in self.arch_zoo:
                raise KeyError(f'Unknown arch "{arch}", choose from {sorted(self.arch_zoo)}.')
            growth_rates, num_layers = self.arch_zoo[arch]['growth_rates'], self.arch_zoo[arch]['num_layers']
        if num_layers is None or len(num_layers) != len(growth_rates) or len(growth_rates) < 1:
            raise ValueError(
                f'growth_rates and num_layers need one entry per block, got {growth_rates} and {num_layers}.'
            )
        if not 0 < compression <= 1:
            raise ValueError(f'compression must be in (0, 1], got {compression}.')
        self.growth_rates = list(growth_rates)
        self.num_layers = list(num_layers)

        stem_channels = 2 * self.growth_rates[0]
        self.block_in_channels, stage_channels = [], []
        channels = stem_channels
        for i, (k, n) in enumerate(zip(self.growth_rates, self.num_layers)):
            if i > 0:
                channels = int(channels * compression)
            self.block_in_channels.append(channels)
            channels += n * k
            stage_channels.append(channels)
        self._init_layers(
            nn.Conv2d(3, stem_channels, 3, 1, 1, bias=False),
            stage_in_channels=[stem_channels] + stage_channels[:-1],
            stage_channels=stage_channels,
            stage_strides=[1] + [2] * (len(stage_channels) - 1),
            out_channels=stage_channels[-1],
            out_indices=out_indices,
        )

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        block_in = self.block_in_channels[index]
        layers = []
        if index == 0:
            if in_channels != block_in or stride != 1:
                raise ValueError(
                    f'stage 0 of CIFARHCGNet has no transition: it takes in_channels={block_in} and stride=1, '
                    f'got in_channels={in_channels}, stride={stride}.'
                )
        else:
            if stride not in (1, 2):
                raise ValueError(f'stride of CIFARHCGNet stage {index} must be 1 or 2, got {stride}.')
            layers.append(('transition', HCGTransition(in_channels, block_in, stride)))
        layers.append(('block', HybridBlock(block_in, self.num_layers[index], self.growth_rates[index])))
        return nn.Sequential(OrderedDict(layers))

    def _build_post(self) -> nn.Module:
        return nn.Sequential(nn.BatchNorm2d(self.stage_channels[-1]), nn.ReLU(inplace=True))
