from .aux_branches import AuxiliaryBranches
from .self_teacher import SelfTeacher
from .stage_copies import make_branch_body, make_post, make_stage, num_stages, set_out_indices, stage_channels

__all__ = [
    'AuxiliaryBranches',
    'SelfTeacher',
    'make_branch_body',
    'make_post',
    'make_stage',
    'num_stages',
    'set_out_indices',
    'stage_channels',
]
