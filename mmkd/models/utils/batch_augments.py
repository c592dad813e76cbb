"""Random image transforms applied to a whole batch on its device: SSKD's four "paper" transforms.

Each draws its parameters per image (from an optional CPU ``torch.Generator``, so a seeded run
repeats) and works on (N, 3, H, W) RGB images in [0, 1]. Written here rather than taken from
kornia, which the dependency stack does not carry: these are the exact transforms the SSKD tests
check (torchvision's luma, blends and order), they run in float32 under autocast, and a new
library would change the random streams of every seeded SSKD run.
"""

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

#: the four transforms of the paper, in the order of their ids in :func:`paper4_copies`
PAPER4_TRANSFORMS = ('colour_drop', 'rotation', 'crop_resize', 'colour_jitter')
#: The paper names the transforms but gives no parameters; these are SimCLR's CIFAR colour
#: strength (s = 0.5: 0.8s for brightness/contrast/saturation, 0.2s for hue) and MoCo v2's crop
#: scale (0.2 rather than 0.08, which leaves little of a 32x32 image).
PAPER4_DEFAULTS = dict(
    crop_scale=(0.2, 1.0), crop_ratio=(3 / 4, 4 / 3), brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1
)


def _gray(x: Tensor) -> Tensor:
    # ITU-R 601 luma, as torchvision's rgb_to_grayscale
    return (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)


def _uniform(n: int, low: float, high: float, like: Tensor, generator=None) -> Tensor:
    return (torch.rand(n, generator=generator) * (high - low) + low).to(like)


def colour_drop(x: Tensor) -> Tensor:
    """Grayscale (ITU-R 601 luma) copied to the three channels of (N, 3, H, W) images in [0, 1]."""
    return _gray(x).expand_as(x).contiguous()


def random_rotation(x: Tensor, generator=None) -> Tensor:
    """Rotate each square image by 90, 180 or 270 degrees, drawn uniformly per image."""
    if x.shape[2] != x.shape[3]:
        raise ValueError(f'rotation needs square images (H == W), got shape {tuple(x.shape)}')
    k = torch.randint(1, 4, (x.shape[0],), generator=generator).to(x.device)
    out = torch.empty_like(x)
    for j in (1, 2, 3):
        sel = k == j
        out[sel] = torch.rot90(x[sel], j, dims=(2, 3))
    return out


def random_resized_crop(
    x: Tensor, scale: Sequence[float] = (0.2, 1.0), ratio: Sequence[float] = (3 / 4, 4 / 3), generator=None
) -> Tensor:
    """Crop a random box of each image and resize it (bilinear) back to the full size.

    The box covers a fraction ``U(scale)`` of the area with aspect ratio (w/h) log-uniform in
    ``ratio``, clipped to the image, at a uniformly random position that keeps it inside.
    """
    n, _, height, width = x.shape
    area = _uniform(n, scale[0], scale[1], x, generator)
    aspect = torch.exp(_uniform(n, math.log(ratio[0]), math.log(ratio[1]), x, generator))
    w = torch.sqrt(area * aspect * height / width).clamp(max=1.0)  # box width / image width
    h = torch.sqrt(area / aspect * width / height).clamp(max=1.0)
    cx = (_uniform(n, -1.0, 1.0, x, generator)) * (1 - w)  # box centre in [-1, 1] coordinates
    cy = (_uniform(n, -1.0, 1.0, x, generator)) * (1 - h)
    zeros = torch.zeros_like(w)
    theta = torch.stack([torch.stack([w, zeros, cx], 1), torch.stack([zeros, h, cy], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)


_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])


def colour_jitter(
    x: Tensor, brightness: float = 0.4, contrast: float = 0.4, saturation: float = 0.4, hue: float = 0.1, generator=None
) -> Tensor:
    """Per-image random brightness, contrast, saturation and hue, in this order, on [0, 1] images.

    Brightness, contrast and saturation factors are drawn from ``U(max(0, 1 - s), 1 + s)`` and
    applied as torchvision does (scale; blend with the mean gray; blend with the grayscale image).
    The hue shift ``U(-hue, hue)`` (in turns) is a rotation of the chroma plane in YIQ space, a
    linear stand-in for torchvision's HSV shift that runs on the whole batch at once.
    """
    n = x.shape[0]

    def factor(s):
        return _uniform(n, max(0.0, 1 - s), 1 + s, x, generator).view(n, 1, 1, 1)

    x = (x * factor(brightness)).clamp(0, 1)
    mean = _gray(x).mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - mean) * factor(contrast) + mean).clamp(0, 1)
    gray = _gray(x)
    x = ((x - gray) * factor(saturation) + gray).clamp(0, 1)
    angle = _uniform(n, -hue, hue, x, generator) * 2 * math.pi
    cos, sin = torch.cos(angle), torch.sin(angle)
    one, zero = torch.ones_like(cos), torch.zeros_like(cos)
    rotate = torch.stack(
        [torch.stack([one, zero, zero], 1), torch.stack([zero, cos, -sin], 1), torch.stack([zero, sin, cos], 1)], 1
    )  # (n, 3, 3) on (Y, I, Q)
    to_yiq = _RGB_TO_YIQ.to(x)
    matrix = torch.linalg.inv(to_yiq) @ rotate @ to_yiq
    return torch.einsum('nij,njhw->nihw', matrix, x).clamp(0, 1)


def paper4_copies(x: Tensor, generator=None, **params) -> Tensor:
    """Transform each image of a [0, 1] RGB batch by one of the paper's four transforms.

    The transform is drawn uniformly per image from :data:`PAPER4_TRANSFORMS` (colour dropping,
    rotation by 90/180/270 degrees, crop + resize, colour jitter), each with random parameters.

    Args:
        x (Tensor): (N, 3, H, W) images in [0, 1], square for the rotation.
        generator (torch.Generator, optional): CPU generator of every random draw.
        **params: overrides of :data:`PAPER4_DEFAULTS`.

    Returns:
        Tensor: (N, 3, H, W) transformed images, of ``x``'s dtype (computed in float32).
    """
    unknown = set(params) - set(PAPER4_DEFAULTS)
    if unknown:
        raise ValueError(f'unknown paper4 transform parameters {sorted(unknown)}; valid: {sorted(PAPER4_DEFAULTS)}')
    p = {**PAPER4_DEFAULTS, **params}
    if x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f'the paper4 transforms need (N, 3, H, W) RGB images, got shape {tuple(x.shape)}')
    ops = (
        colour_drop,
        lambda t: random_rotation(t, generator),
        lambda t: random_resized_crop(t, p['crop_scale'], p['crop_ratio'], generator),
        lambda t: colour_jitter(t, p['brightness'], p['contrast'], p['saturation'], p['hue'], generator),
    )
    which = torch.randint(0, len(ops), (x.shape[0],), generator=generator).to(x.device)
    # float32 whatever the autocast context or input dtype: autocast would run the jitter's matrix
    # product in half precision, whose output ``out`` cannot take by index
    with torch.autocast(x.device.type, enabled=False):
        source = x.float()
        out = torch.empty_like(source)
        for i, op in enumerate(ops):
            sel = which == i
            if sel.any():
                out[sel] = op(source[sel])
    return out.to(x.dtype)
