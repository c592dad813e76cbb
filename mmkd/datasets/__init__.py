from .checks import ClassFolderMismatchError, EmptyClassFolderError, check_class_folders
from .composed_detection import compose_detection_split
from .fine_grained import MIT67, StanfordDogs
from .idx_dataset import FashionMNISTIDX, read_idx, write_idx
from .image_folder import ImageFolderDataset
from .label_subsets import FewShotDataset, NoisyLabelDataset, stratified_indices, symmetric_noise
from .pseudo_label_dataset import (
    PseudoLabelDataset,
    cluster_majority_accuracy,
    cluster_purity,
    load_pseudo_labels,
    majority_mapping,
    write_pseudo_labels,
)
from .stl10 import STL10, read_stl10_images
from .svhn import SVHN
from .tiny_imagenet import TinyImageNet
from .transforms import GrayToRGB, LoadImageFromFile, UnreadableImageError
from .unreadable import SkipUnreadableImages

__all__ = [
    'compose_detection_split',
    'FashionMNISTIDX',
    'read_idx',
    'write_idx',
    'GrayToRGB',
    'FewShotDataset',
    'NoisyLabelDataset',
    'stratified_indices',
    'symmetric_noise',
    'PseudoLabelDataset',
    'cluster_majority_accuracy',
    'cluster_purity',
    'load_pseudo_labels',
    'majority_mapping',
    'write_pseudo_labels',
    'ClassFolderMismatchError',
    'EmptyClassFolderError',
    'check_class_folders',
    'LoadImageFromFile',
    'UnreadableImageError',
    'SkipUnreadableImages',
    'ImageFolderDataset',
    'StanfordDogs',
    'MIT67',
    'TinyImageNet',
    'STL10',
    'read_stl10_images',
    'SVHN',
]
