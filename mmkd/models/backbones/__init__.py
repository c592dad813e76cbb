from .densenet_cifar import CIFARDenseNet
from .mobilenetv2_cifar import CIFARMobileNetV2
from .resnet_cifar import CIFARBackbone, CIFARResNet
from .shufflenetv1_cifar import CIFARShuffleNetV1
from .shufflenetv2_cifar import CIFARShuffleNetV2
from .vgg_cifar import CIFARVGG
from .wrn import WideResNet

__all__ = [
    'CIFARBackbone',
    'CIFARResNet',
    'WideResNet',
    'CIFARVGG',
    'CIFARMobileNetV2',
    'CIFARShuffleNetV1',
    'CIFARShuffleNetV2',
    'CIFARDenseNet',
]
