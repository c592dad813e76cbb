"""Auxiliary branches and the stage copies they are built from (fresh copies of a backbone's deeper stages)."""

from .aux_branches import AuxiliaryBranches
from .stage_copies import make_branch_body, make_post, make_stage, num_stages, set_out_indices, stage_channels

__all__ = [
    'AuxiliaryBranches',
    'make_branch_body',
    'make_post',
    'make_stage',
    'num_stages',
    'set_out_indices',
    'stage_channels',
]
