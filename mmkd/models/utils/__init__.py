from .fast_inference import (
    AbsorbedBatchNorm,
    FoldedConv2d,
    fast_inference,
    find_conv_bn_pairs,
    fold_conv_bn,
    traced_roots,
)
from .labels import gt_labels
from .masks import CSS_LAYOUTS, apply_mask, css_masks
from .mixup import mix_tensors, mixup_cross_entropy, mixup_with_meta, sample_beta
from .pretext import (
    COLOR_PERMUTATIONS,
    JIGSAW_PERMUTATIONS,
    PRETEXT_TASKS,
    apply_pretext,
    color_permute_stack,
    jigsaw_stack,
    joint_labels,
    max_min_hamming_permutations,
    rotate_stack,
    transform_ids,
    transformed_rows,
    upright_rows,
)

__all__ = [
    'gt_labels',
    'rotate_stack',
    'joint_labels',
    'transform_ids',
    'upright_rows',
    'transformed_rows',
    'COLOR_PERMUTATIONS',
    'color_permute_stack',
    'max_min_hamming_permutations',
    'JIGSAW_PERMUTATIONS',
    'jigsaw_stack',
    'PRETEXT_TASKS',
    'apply_pretext',
    'sample_beta',
    'mixup_with_meta',
    'mix_tensors',
    'mixup_cross_entropy',
    'CSS_LAYOUTS',
    'css_masks',
    'apply_mask',
    'fast_inference',
    'fold_conv_bn',
    'find_conv_bn_pairs',
    'traced_roots',
    'FoldedConv2d',
    'AbsorbedBatchNorm',
]
