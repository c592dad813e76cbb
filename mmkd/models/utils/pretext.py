"""Self-supervised pretext transforms with joint (class x transform) labels, as used by SSKD and HSSAKD.

Every ``*_stack`` function turns a batch of ``n`` images into ``n * M`` images in a sample-major
interleaved layout: row ``M * i + j`` is image ``i`` under transform ``j``, and ``j = 0`` is always the
identity, so ``upright_rows`` recovers the original batch. SSKD's rotated copies are the same layout
(each copy is made from an image of the batch), so it uses ``rotate_stack`` directly.
"""

import itertools
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

Permutation = Tuple[int, ...]


def _check_images(x: Tensor, name: str) -> None:
    if x.dim() != 4:
        raise ValueError(f'{name} expects an (N, C, H, W) batch, got shape {tuple(x.shape)}')


def _check_rows(t: Tensor, num_transforms: int) -> int:
    if num_transforms < 1:
        raise ValueError(f'num_transforms must be >= 1, got {num_transforms}')
    if t.shape[0] % num_transforms != 0:
        raise ValueError(f'{t.shape[0]} rows are not a multiple of num_transforms={num_transforms}')
    return t.shape[0] // num_transforms


def rotate_stack(x: Tensor, num_rotations: int = 4) -> Tensor:
    """Stack each image with its rotations by ``0, 90, ..., 90 * (M - 1)`` degrees.

    Args:
        x (Tensor): (n, C, H, W) images with ``H == W``.
        num_rotations (int): M, the number of rotations (1 to 4). Defaults to 4.

    Returns:
        Tensor: (n * M, C, H, W); row ``M * i + j`` is ``torch.rot90(x[i], k=j, dims=(1, 2))``.
    """
    _check_images(x, 'rotate_stack')
    if x.shape[2] != x.shape[3]:
        raise ValueError(f'rotate_stack needs square images (H == W), got shape {tuple(x.shape)}')
    if not 1 <= num_rotations <= 4:
        raise ValueError(f'num_rotations must be in [1, 4], got {num_rotations}')
    rotated = torch.stack([torch.rot90(x, k=j, dims=(2, 3)) for j in range(num_rotations)], dim=1)
    return rotated.reshape(-1, *x.shape[1:])


def joint_labels(y: Tensor, num_transforms: int) -> Tensor:
    """Class-major joint labels for a stacked batch.

    Args:
        y (Tensor): (n,) class labels.
        num_transforms (int): M, transforms per image.

    Returns:
        Tensor: (n * M,) labels; row ``M * i + j`` is ``y[i] * M + j``.
    """
    if y.dim() != 1:
        raise ValueError(f'joint_labels expects (n,) labels, got shape {tuple(y.shape)}')
    ids = transform_ids(y.shape[0], num_transforms, device=y.device).to(y.dtype)
    return y.repeat_interleave(num_transforms) * num_transforms + ids


def transform_ids(n: int, num_transforms: int, device: Optional[torch.device] = None) -> Tensor:
    """Transform index of each row of a stacked batch: ``[0, ..., M - 1]`` repeated ``n`` times.

    Args:
        n (int): number of original images.
        num_transforms (int): M, transforms per image.
        device (torch.device, optional): device of the result.

    Returns:
        LongTensor: (n * M,) transform ids.
    """
    if num_transforms < 1:
        raise ValueError(f'num_transforms must be >= 1, got {num_transforms}')
    return torch.arange(num_transforms, device=device).repeat(n)


def upright_rows(t: Tensor, num_transforms: int) -> Tensor:
    """Rows of the identity transform (``j = 0``) of a stacked tensor: ``t[0::M]``.

    Args:
        t (Tensor): (n * M, ...) stacked tensor (images, features or logits).
        num_transforms (int): M, transforms per image.

    Returns:
        Tensor: (n, ...) upright rows.
    """
    _check_rows(t, num_transforms)
    return t[0::num_transforms]


def transformed_rows(t: Tensor, num_transforms: int) -> Tensor:
    """Rows of the non-identity transforms (``j != 0``) of a stacked tensor.

    Args:
        t (Tensor): (n * M, ...) stacked tensor.
        num_transforms (int): M, transforms per image.

    Returns:
        Tensor: (n * (M - 1), ...); row ``(M - 1) * i + r - 1`` is row ``M * i + r`` of ``t``.
    """
    n = _check_rows(t, num_transforms)
    rest = t.shape[1:]
    return t.reshape(n, num_transforms, *rest)[:, 1:].reshape(n * (num_transforms - 1), *rest)


#: Channel orders of ``color_permute_stack``: RGB, RBG, GRB, GBR, BRG, BGR (index = transform id).
COLOR_PERMUTATIONS: List[Permutation] = list(itertools.permutations(range(3)))


def color_permute_stack(x: Tensor) -> Tensor:
    """Stack each image with its 6 colour-channel permutations.

    Args:
        x (Tensor): (n, 3, H, W) images.

    Returns:
        Tensor: (n * 6, 3, H, W); row ``6 * i + j`` is ``x[i][COLOR_PERMUTATIONS[j]]``.
    """
    _check_images(x, 'color_permute_stack')
    if x.shape[1] != 3:
        raise ValueError(f'color_permute_stack needs 3 channels, got shape {tuple(x.shape)}')
    order = torch.tensor(COLOR_PERMUTATIONS, device=x.device)  # (6, 3)
    return x[:, order].reshape(-1, *x.shape[1:])


def _hamming(p: Sequence[int], q: Sequence[int]) -> int:
    return sum(a != b for a, b in zip(p, q))


def max_min_hamming_permutations(num_items: int, num_perms: int) -> List[Permutation]:
    """Greedy max-min Hamming permutation set, starting from the identity.

    Each step adds the permutation with the largest minimum Hamming distance to those chosen so far;
    ties go to the lexicographically first one.

    Args:
        num_items (int): length of each permutation.
        num_perms (int): number of permutations to pick.

    Returns:
        list[tuple[int]]: the permutations, identity first.
    """
    candidates = list(itertools.permutations(range(num_items)))  # lexicographic order
    if not 1 <= num_perms <= len(candidates):
        raise ValueError(f'num_perms must be in [1, {len(candidates)}], got {num_perms}')
    chosen = [candidates[0]]
    while len(chosen) < num_perms:
        # max() keeps the first maximum, i.e. the lexicographic tie-break
        best = max((c for c in candidates if c not in chosen), key=lambda c: min(_hamming(c, p) for p in chosen))
        chosen.append(best)
    return chosen


#: The 4 patch permutations of ``jigsaw_stack`` (identity first).
JIGSAW_PERMUTATIONS: List[Permutation] = max_min_hamming_permutations(4, 4)


def jigsaw_stack(x: Tensor, permutations: Optional[Sequence[Sequence[int]]] = None) -> Tensor:
    """Stack each image with 2x2 jigsaw shuffles of itself.

    Patches are numbered row-major (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right); under
    permutation ``p`` the patch at position ``k`` of the output is patch ``p[k]`` of the input.

    Args:
        x (Tensor): (n, C, H, W) images with even H and W.
        permutations (Sequence[Sequence[int]], optional): M permutations of ``range(4)``.
            Defaults to ``JIGSAW_PERMUTATIONS``.

    Returns:
        Tensor: (n * M, C, H, W); row ``M * i + j`` is image ``i`` shuffled by ``permutations[j]``.
    """
    _check_images(x, 'jigsaw_stack')
    n, c, height, width = x.shape
    if height % 2 or width % 2:
        raise ValueError(f'jigsaw_stack needs even H and W, got shape {tuple(x.shape)}')
    perms = JIGSAW_PERMUTATIONS if permutations is None else [tuple(p) for p in permutations]
    for p in perms:
        if sorted(p) != [0, 1, 2, 3]:
            raise ValueError(f'jigsaw permutations must permute range(4), got {p}')
    h, w = height // 2, width // 2
    patches = x.reshape(n, c, 2, h, 2, w).permute(0, 2, 4, 1, 3, 5).reshape(n, 4, c, h, w)
    order = torch.tensor(perms, device=x.device)  # (M, 4)
    shuffled = patches[:, order].reshape(n, len(perms), 2, 2, c, h, w)
    return shuffled.permute(0, 1, 4, 2, 5, 3, 6).reshape(n * len(perms), c, height, width)


#: task name -> (stack function, number of transforms M)
PRETEXT_TASKS: Dict[str, Tuple[Callable[[Tensor], Tensor], int]] = {
    'rotation': (rotate_stack, 4),
    'color_perm': (color_permute_stack, 6),
    'jigsaw': (jigsaw_stack, 4),
}


def apply_pretext(x: Tensor, y: Tensor, task: str = 'rotation') -> Tuple[Tensor, Tensor, int]:
    """Apply a pretext task to a batch and build its joint labels.

    Args:
        x (Tensor): (n, C, H, W) images.
        y (Tensor): (n,) class labels.
        task (str): one of ``PRETEXT_TASKS``. Defaults to 'rotation'.

    Returns:
        tuple: stacked images (n * M, C, H, W), joint labels (n * M,) and M.
    """
    if task not in PRETEXT_TASKS:
        raise ValueError(f'unknown pretext task {task!r}; valid: {sorted(PRETEXT_TASKS)}')
    fn, num_transforms = PRETEXT_TASKS[task]
    return fn(x), joint_labels(y, num_transforms), num_transforms
