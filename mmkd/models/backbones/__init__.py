from .densenet_cifar import CIFARDenseNet
from .hcgnet_cifar import CIFARHCGNet
from .mobilenetv2_cifar import CIFARMobileNetV2
from .pyramidnet_cifar import CIFARPyramidNet
from .resnet_cifar import CIFARBackbone, CIFARResNet
from .resnext_cifar import CIFARResNeXt
from .se_resnet_cifar import CIFARSEResNet
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
    'CIFARHCGNet',
    'CIFARResNeXt',
    'CIFARPyramidNet',
    'CIFARSEResNet',
]
