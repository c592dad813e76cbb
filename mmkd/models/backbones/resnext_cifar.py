from typing import List, Optional, Sequence, Union

import torch.nn as nn

from mmkd.registry import MODELS

from .resnet_cifar import Bottleneck, CIFARBackbone, conv3x3_bn_relu_stem, stack_blocks


class ResNeXtBottleneck(Bottleneck):
    """ResNeXt block: :class:`Bottleneck` (1x1 -> grouped 3x3 (the stride) -> 1x1, post-activation) with
    ResNeXt-29 2x64d's first-stage width and cardinality as defaults.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the grouped 3x3 conv. Defaults to 1.
        mid_channels (int): Channels of the grouped conv (``cardinality * width``). Defaults to 128.
        groups (int): Cardinality. Defaults to 2.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, mid_channels: int = 128, groups: int = 2):
        super().__init__(in_channels, out_channels, stride, mid_channels, groups)


@MODELS.register_module()
class CIFARResNeXt(CIFARBackbone):
    """ResNeXt for CIFAR (Xie et al., "Aggregated Residual Transformations for Deep Neural
    Networks", CVPR 2017).

    A 3x3 conv stem with 64 channels and three stages of ``(depth - 2) / 9`` bottleneck blocks with
    strides 1/2/2; stage ``i`` has grouped convs of ``cardinality * base_width * 2**i`` channels and
    outputs ``256 * 2**i`` channels (widen factor 4 of the paper's CIFAR networks). ResNeXt-29 2x64d
    (the default) has 64 -> 256 -> 512 -> 1024 channels and, with a 100-class linear classifier, 9.2M
    parameters.

    Args:
        depth (int): Network depth, ``9n+2``. Defaults to 29.
        cardinality (int): Groups of the 3x3 convs. Defaults to 2.
        base_width (int): Channels per group in the first stage. Defaults to 64.
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(
        self,
        depth: int = 29,
        cardinality: int = 2,
        base_width: int = 64,
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if depth < 11 or (depth - 2) % 9 != 0:
            raise ValueError(f'depth of a CIFARResNeXt must be 9n+2 with n >= 1, got {depth}.')
        self.depth = depth
        self.cardinality = cardinality
        self.base_width = base_width
        self.num_blocks = (depth - 2) // 9

        stem_channels = 64
        self.stage_mid_channels = [cardinality * base_width * 2**i for i in range(3)]
        stage_channels = [256 * 2**i for i in range(3)]
        self._init_chained_layers(conv3x3_bn_relu_stem(stem_channels), stem_channels, stage_channels, out_indices)

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        out_channels, mid = self.stage_channels[index], self.stage_mid_channels[index]
        return stack_blocks(
            ResNeXtBottleneck, self.num_blocks, in_channels, out_channels, stride, mid, self.cardinality
        )
