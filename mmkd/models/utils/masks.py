"""Binary spatial masks of Channel Self-Supervision (CSS) online distillation.

Branch ``j`` sees its feature map with one region zeroed: ``feat * masks[j]``, the (H, W) mask
shared by every sample and channel.
"""

import math
from typing import Optional, Tuple

import torch
from torch import Tensor

CSS_LAYOUTS = ('code_corners', 'code_corners_fixed', 'quadrants')


def _corner_side(height: int, width: int, fraction: Optional[float]) -> Tuple[int, int]:
    if fraction is None:
        return height // 4, width // 4
    if not 0 <= fraction <= 1:
        raise ValueError(f'fraction must be in [0, 1], got {fraction}')
    root = math.sqrt(fraction)
    return round(root * height), round(root * width)


def css_masks(
    num_branches: int,
    height: int,
    width: int,
    layout: str = 'code_corners',
    fraction: Optional[float] = None,
    device: Optional[torch.device] = None,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """One binary spatial mask per branch; branches 0-3 each lose one region, others none.

    Layouts, with regions in branch order:

    - ``'code_corners'``: the authors' code. Corner blocks of side ``s`` (``H // 4`` by ``W // 4``):
      top-left, bottom-right, bottom-left, and for branch 3 only the single column
      ``mask[0:s, W - s]`` (the code's indexing slip for the top-right block).
    - ``'code_corners_fixed'``: as above, but branch 3 loses the whole top-right block.
    - ``'quadrants'``: the paper. Whole quadrants: top-left, bottom-right, bottom-left, top-right.

    Args:
        num_branches (int): number of masks m, >= 1.
        height (int): H of the feature map.
        width (int): W of the feature map.
        layout (str): one of ``CSS_LAYOUTS``. Defaults to 'code_corners'.
        fraction (float, optional): corner layouts only; block sides become
            ``round(sqrt(fraction) * H)`` and ``round(sqrt(fraction) * W)`` so about ``fraction``
            of the positions are zeroed. None keeps the code's ``H // 4`` (1/16 of positions).
        device (torch.device, optional): device of the masks.
        dtype (torch.dtype): dtype of the masks. Defaults to float32.

    Returns:
        Tensor: (m, H, W) masks of zeros and ones.
    """
    if layout not in CSS_LAYOUTS:
        raise ValueError(f'unknown CSS mask layout {layout!r}; valid: {list(CSS_LAYOUTS)}')
    if num_branches < 1:
        raise ValueError(f'num_branches must be >= 1, got {num_branches}')
    masks = torch.ones(num_branches, height, width, device=device, dtype=dtype)
    if layout == 'quadrants':
        if fraction is not None:
            raise ValueError("fraction applies to the corner layouts only, not 'quadrants'")
        sh, sw = height // 2, width // 2
        regions = [
            (slice(0, sh), slice(0, sw)),
            (slice(sh, None), slice(sw, None)),
            (slice(sh, None), slice(0, sw)),
            (slice(0, sh), slice(sw, None)),
        ]
    else:
        sh, sw = _corner_side(height, width, fraction)
        if sh == 0 or sw == 0:  # nothing to zero (tiny map or fraction)
            return masks
        top, bottom = slice(0, sh), slice(height - sh, None)
        left, right = slice(0, sw), slice(width - sw, None)
        # the authors' code writes ``mask[0:s, W - s]``: one column instead of the block
        top_right = (top, right) if layout == 'code_corners_fixed' else (top, width - sw)
        regions = [(top, left), (bottom, right), (bottom, left), top_right]
    for j, (rows, cols) in enumerate(regions[:num_branches]):
        masks[j, rows, cols] = 0
    return masks


def apply_mask(feat: Tensor, mask: Tensor) -> Tensor:
    """Zero the masked positions of every sample and channel.

    Args:
        feat (Tensor): (B, C, H, W) feature map.
        mask (Tensor): (H, W) binary mask.

    Returns:
        Tensor: ``feat * mask``.
    """
    if mask.shape != feat.shape[-2:]:
        raise ValueError(f'mask shape {tuple(mask.shape)} does not match feature map {tuple(feat.shape)}')
    return feat * mask.to(device=feat.device, dtype=feat.dtype)
