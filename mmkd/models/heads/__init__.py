from .feature_discriminator import FeatureDiscriminator, grad_reverse
from .self_teacher import SelfTeacher
from .ss_projection_head import SSProjectionHead, contrastive_similarity, contrastive_targets

__all__ = [
    'FeatureDiscriminator',
    'grad_reverse',
    'SelfTeacher',
    'SSProjectionHead',
    'contrastive_similarity',
    'contrastive_targets',
]
