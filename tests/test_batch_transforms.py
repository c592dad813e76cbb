import itertools

import pytest
import torch
import torch.nn.functional as F

from mmkd.models.utils import (
    COLOR_PERMUTATIONS,
    JIGSAW_PERMUTATIONS,
    PRETEXT_TASKS,
    apply_mask,
    apply_pretext,
    color_permute_stack,
    css_masks,
    jigsaw_stack,
    joint_labels,
    mix_tensors,
    mixup_cross_entropy,
    mixup_with_meta,
    rotate_stack,
    transform_ids,
    transformed_rows,
    upright_rows,
)


def _images(n=3, c=3, h=6, w=6, seed=0):
    return torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(seed))


# ---------------------------------------------------------------- pretext


@pytest.mark.parametrize('m', [1, 2, 4])
def test_rotate_stack_layout(m):
    x = _images()
    out = rotate_stack(x, m)
    assert out.shape == (3 * m, 3, 6, 6)
    for i in range(3):
        for j in range(m):
            assert torch.equal(out[m * i + j], torch.rot90(x[i], k=j, dims=(1, 2)))


def test_rotate_stack_errors():
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 6\)'):
        rotate_stack(torch.zeros(2, 3, 4, 6))
    with pytest.raises(ValueError):
        rotate_stack(_images(), 5)


def test_joint_labels_and_ids():
    y = torch.tensor([2, 0, 7])
    m = 4
    expected = [y[i].item() * m + j for i in range(3) for j in range(m)]
    assert joint_labels(y, m).tolist() == expected
    assert transform_ids(3, m).tolist() == [j for _ in range(3) for j in range(m)]


def test_upright_and_transformed_rows():
    m, n = 4, 3
    t = torch.arange(n * m * 2).reshape(n * m, 2)
    assert torch.equal(upright_rows(t, m), t[[m * i for i in range(n)]])
    rest = transformed_rows(t, m)
    assert rest.shape == (n * (m - 1), 2)
    for i in range(n):
        for r in range(1, m):
            assert torch.equal(rest[(m - 1) * i + r - 1], t[m * i + r])
    x = _images()
    assert torch.equal(upright_rows(rotate_stack(x), 4), x)
    with pytest.raises(ValueError):
        upright_rows(torch.zeros(5, 2), 4)


def test_color_permute_stack():
    assert COLOR_PERMUTATIONS == [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]
    x = _images()
    out = color_permute_stack(x)
    assert out.shape == (18, 3, 6, 6)
    for i in range(3):
        for j, order in enumerate(COLOR_PERMUTATIONS):
            for k in range(3):
                assert torch.equal(out[6 * i + j, k], x[i, order[k]])
    with pytest.raises(ValueError):
        color_permute_stack(torch.zeros(2, 1, 4, 4))


def _hamming(p, q):
    return sum(a != b for a, b in zip(p, q))


def _min_pairwise(perms):
    return min(_hamming(p, q) for p, q in itertools.combinations(perms, 2))


def test_jigsaw_permutations():
    perms = JIGSAW_PERMUTATIONS
    assert len(perms) == 4 and len(set(perms)) == 4
    assert perms[0] == (0, 1, 2, 3)
    assert all(sorted(p) == [0, 1, 2, 3] for p in perms)
    best = max(_min_pairwise(s) for s in itertools.combinations(itertools.permutations(range(4)), 4))
    assert _min_pairwise(perms) == best == 4


def test_jigsaw_stack_patches():
    x = _images(n=2, h=4, w=6)
    out = jigsaw_stack(x)
    assert out.shape == (8, 3, 4, 6)

    def patch(img, k):
        r, c = divmod(k, 2)
        return img[:, 2 * r : 2 * r + 2, 3 * c : 3 * c + 3]

    for i in range(2):
        for j, p in enumerate(JIGSAW_PERMUTATIONS):
            for k in range(4):
                assert torch.equal(patch(out[4 * i + j], k), patch(x[i], p[k]))
    assert torch.equal(out[0::4], x)
    custom = jigsaw_stack(x, permutations=[(3, 2, 1, 0)])
    assert torch.equal(patch(custom[0], 0), patch(x[0], 3))
    with pytest.raises(ValueError):
        jigsaw_stack(torch.zeros(1, 3, 5, 4))
    with pytest.raises(ValueError):
        jigsaw_stack(x, permutations=[(0, 0, 1, 2)])


@pytest.mark.parametrize('task', sorted(PRETEXT_TASKS))
def test_apply_pretext(task):
    x, y = _images(h=4, w=4), torch.tensor([1, 0, 2])
    fn, m = PRETEXT_TASKS[task]
    xs, ys, got_m = apply_pretext(x, y, task)
    assert got_m == m
    assert torch.equal(xs, fn(x))
    assert torch.equal(ys, joint_labels(y, m))


def test_apply_pretext_unknown():
    with pytest.raises(ValueError, match='rotation'):
        apply_pretext(_images(), torch.tensor([0, 1, 2]), 'flip')


# ---------------------------------------------------------------- mixup


def test_mixup_with_meta():
    x = _images(n=8)
    mixed, lam, index = mixup_with_meta(x, 1.0, generator=torch.Generator().manual_seed(3))
    assert isinstance(lam, float) and 0 < lam < 1
    assert index.dtype == torch.long and sorted(index.tolist()) == list(range(8))
    assert torch.equal(mixed, lam * x + (1 - lam) * x[index])

    mixed2, lam2, index2 = mixup_with_meta(x, 1.0, generator=torch.Generator().manual_seed(3))
    assert lam2 == lam and torch.equal(index2, index) and torch.equal(mixed2, mixed)
    _, lam3, _ = mixup_with_meta(x, 1.0, generator=torch.Generator().manual_seed(4))
    assert lam3 != lam


def test_mixup_given_lam_index():
    x = _images(n=4)
    index = torch.tensor([3, 2, 1, 0])
    mixed, lam, got = mixup_with_meta(x, 0.2, lam=0.3, index=index)
    assert lam == 0.3 and torch.equal(got, index)
    assert torch.equal(mixed, 0.3 * x + 0.7 * x[index])
    with pytest.raises(ValueError):
        mixup_with_meta(x, 0.0)
    with pytest.raises(ValueError):
        mixup_with_meta(x, 1.0, index=torch.tensor([0, 1]))


def test_mix_tensors_and_cross_entropy():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(5, 7, generator=gen)
    y = torch.randint(0, 7, (5,), generator=gen)
    index = torch.tensor([1, 2, 3, 4, 0])
    lam = 0.35
    assert torch.equal(mix_tensors(a, lam, index), lam * a + (1 - lam) * a[index])
    expected = 0.0
    for b in range(5):
        log_p = F.log_softmax(a[b], dim=0)
        expected += -(lam * log_p[y[b]] + (1 - lam) * log_p[y[index[b]]]) / 5
    torch.testing.assert_close(mixup_cross_entropy(a, y, lam, index), expected)


# ---------------------------------------------------------------- CSS masks


def _zeros(mask):
    return {tuple(p) for p in (mask == 0).nonzero().tolist()}


def _block(rows, cols):
    return {(r, c) for r in rows for c in cols}


def test_css_masks_code_corners():
    masks = css_masks(5, 16, 16)
    assert masks.shape == (5, 16, 16) and masks.dtype == torch.float32
    assert set(masks.unique().tolist()) == {0.0, 1.0}
    assert _zeros(masks[0]) == _block(range(0, 4), range(0, 4))
    assert _zeros(masks[1]) == _block(range(12, 16), range(12, 16))
    assert _zeros(masks[2]) == _block(range(12, 16), range(0, 4))
    # the authors' indexing slip: one column (W - s = 12) of the top-right block
    assert _zeros(masks[3]) == {(0, 12), (1, 12), (2, 12), (3, 12)}
    assert _zeros(masks[4]) == set()


def test_css_masks_code_corners_fixed():
    masks = css_masks(4, 16, 16, layout='code_corners_fixed')
    assert _zeros(masks[0]) == _block(range(0, 4), range(0, 4))
    assert _zeros(masks[1]) == _block(range(12, 16), range(12, 16))
    assert _zeros(masks[2]) == _block(range(12, 16), range(0, 4))
    assert _zeros(masks[3]) == _block(range(0, 4), range(12, 16))


def test_css_masks_quadrants():
    masks = css_masks(6, 16, 16, layout='quadrants')
    assert _zeros(masks[0]) == _block(range(0, 8), range(0, 8))
    assert _zeros(masks[1]) == _block(range(8, 16), range(8, 16))
    assert _zeros(masks[2]) == _block(range(8, 16), range(0, 8))
    assert _zeros(masks[3]) == _block(range(0, 8), range(8, 16))
    assert _zeros(masks[4]) == _zeros(masks[5]) == set()
    assert (masks[:4] == 0).sum(dim=(1, 2)).tolist() == [64] * 4


def test_css_masks_fraction_and_errors():
    masks = css_masks(4, 16, 16, layout='code_corners_fixed', fraction=0.25)  # side 8
    assert (masks == 0).sum(dim=(1, 2)).tolist() == [64] * 4
    assert _zeros(masks[1]) == _block(range(8, 16), range(8, 16))
    assert css_masks(2, 16, 16, fraction=1 / 16).equal(css_masks(2, 16, 16))
    assert _zeros(css_masks(4, 16, 16, fraction=0.25)[3]) == _block(range(0, 8), [8])
    assert css_masks(2, 16, 16, fraction=0.0).eq(1).all()
    assert css_masks(1, 16, 16).shape == (1, 16, 16)
    with pytest.raises(ValueError, match='quadrants'):
        css_masks(4, 16, 16, layout='random')
    with pytest.raises(ValueError):
        css_masks(4, 16, 16, fraction=1.5)
    with pytest.raises(ValueError):
        css_masks(0, 16, 16)


def test_apply_mask_shared_across_channels():
    mask = css_masks(1, 16, 16)[0]
    feat = torch.randn(2, 5, 16, 16, dtype=torch.float64)
    out = apply_mask(feat, mask)
    assert out.dtype == torch.float64
    for b in range(2):
        for c in range(5):
            assert torch.equal(out[b, c], feat[b, c] * mask.double())
    assert out[:, :, :4, :4].eq(0).all() and torch.equal(out[:, :, 4:], feat[:, :, 4:])
    with pytest.raises(ValueError):
        apply_mask(feat, torch.ones(8, 8))
