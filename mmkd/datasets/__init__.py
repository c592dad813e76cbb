from .idx_dataset import FashionMNISTIDX, read_idx, write_idx
from .label_subsets import FewShotDataset, NoisyLabelDataset, stratified_indices, symmetric_noise
from .transforms import GrayToRGB

__all__ = [
    'FashionMNISTIDX', 'read_idx', 'write_idx', 'GrayToRGB', 'FewShotDataset', 'NoisyLabelDataset',
    'stratified_indices', 'symmetric_noise'
]
