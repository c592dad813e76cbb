from typing import List, Optional, Sequence, Union

import torch.nn as nn

from mmkd.registry import MODELS

from .resnet_cifar import CIFARBackbone


@MODELS.register_module()
class CIFARVGG(CIFARBackbone):
    """VGG for CIFAR (CRD / RepDistiller definition, FC layers removed).

    The reference network has five conv blocks; max-pooling (2x2) precedes
    blocks 1-3 and blocks 3 and 4 both run at 4x4 for 32x32 inputs. They are
    grouped into four stages so that every stage owns its downsampling:

    - stage 0: block0 (64 channels, 32x32)
    - stage 1: pool + block1 (128, 16x16)
    - stage 2: pool + block2 (256, 8x8)
    - stage 3: pool + block3 + block4 (512, 4x4)

    Every conv is followed by (BN +) ReLU, so stage outputs are the
    post-ReLU block features of the reference and there is no ``post``.

    Args:
        depth (int): One of 8, 11, 13, 16, 19. Defaults to 13.
        with_bn (bool): Whether to add BN after each conv. Defaults to True.
        out_indices (int | Sequence[int]): Output stages. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    arch_settings = {
        8: [[64], [128], [256], [512], [512]],
        11: [[64], [128], [256, 256], [512, 512], [512, 512]],
        13: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
        16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
        19: [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]],
    }

    def __init__(
        self,
        depth: int = 13,
        with_bn: bool = True,
        out_indices: Union[int, Sequence[int]] = -1,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'Invalid depth {depth} for CIFARVGG, choose from {sorted(self.arch_settings)}.')
        self.depth = depth
        self.with_bn = with_bn
        blocks = self.arch_settings[depth]
        self.stage_cfgs = blocks[:3] + [blocks[3] + blocks[4]]

        stage_channels = [cfg[-1] for cfg in self.stage_cfgs]
        self._init_layers(
            nn.Identity(),
            stage_in_channels=[3] + stage_channels[:-1],
            stage_channels=stage_channels,
            stage_strides=[1, 2, 2, 2],
            out_channels=stage_channels[-1],
            out_indices=out_indices,
        )

    def _build_stage(self, index: int, in_channels: int, stride: int) -> nn.Module:
        assert stride in (1, 2), f'stride must be 1 or 2, got {stride}.'
        layers = [nn.MaxPool2d(2, 2)] if stride == 2 else []
        for channels in self.stage_cfgs[index]:
            layers.append(nn.Conv2d(in_channels, channels, 3, padding=1))
            if self.with_bn:
                layers.append(nn.BatchNorm2d(channels))
            layers.append(nn.ReLU(inplace=True))
            in_channels = channels
        return nn.Sequential(*layers)
