"""The multi-branch network of CSS (Channel Self-Supervision for online KD).

A shared trunk (stem + every stage but the last) feeds ``m`` branches. Branch ``j`` multiplies the
trunk output by its own fixed spatial mask (the same positions in every channel, at train and test
time), runs its own fresh copy of the last stage, pools, and classifies into ``K * m`` joint
labels: joint index ``y * m + j`` is (class ``y``, transformation ``j``), class-major. The
network's prediction averages, over branches, branch ``j``'s logits of its own transformation:
``P_c = mean_j z^(j)[:, c * m + j]``.

Unlike MixSKD, a CSS network keeps its branches at inference. ``transfer_state_dict`` gives the
trunk + first branch under the key names of the plain backbone for downstream transfer.
"""

import os.path as osp
from collections import OrderedDict
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmpretrain.models.backbones import ResNet
from mmpretrain.structures import DataSample
from torch import Tensor

from mmkd.registry import MODELS
from mmkd.utils.choices import check_choice

from ..backbones import CIFARBackbone
from ..branches import make_branch_body, num_stages, set_out_indices, stage_channels
from ..utils import CSS_LAYOUTS, apply_mask, css_masks
from ..utils.labels import gt_labels


def css_joint_targets(labels: Tensor, num_branches: int, target_diversity: bool = True) -> Tensor:
    """CE targets of every branch: ``labels * m + j`` for branch ``j`` (class-major joint labels).

    Args:
        labels (Tensor): (B,) class labels.
        num_branches (int): m.
        target_diversity (bool): False gives every branch the plain class labels.

    Returns:
        Tensor: (m, B) targets, row ``j`` for branch ``j``.
    """
    branch_ids = torch.arange(num_branches, device=labels.device, dtype=labels.dtype)
    if not target_diversity:
        return labels.unsqueeze(0).expand(num_branches, -1)
    return labels.unsqueeze(0) * num_branches + branch_ids.unsqueeze(1)


def branch_class_logits(branch_logits: Tensor, target_diversity: bool = True) -> Tensor:
    """Each branch's class logits under its own transformation: ``z^(j)[:, j::m]``.

    Args:
        branch_logits (Tensor): (B, m, K * m) joint logits (or (B, m, K) without target diversity).
        target_diversity (bool): whether the logits are joint.

    Returns:
        Tensor: (B, m, K).
    """
    if not target_diversity:
        return branch_logits
    m = branch_logits.shape[1]
    if branch_logits.shape[2] % m:
        raise ValueError(f'joint logits of width {branch_logits.shape[2]} do not split into {m} transformations')
    return torch.stack([branch_logits[:, j, j::m] for j in range(m)], dim=1)


def aggregate_branch_logits(branch_logits: Tensor, target_diversity: bool = True) -> Tensor:
    """The network's class logits: ``P_c = mean_j z^(j)[:, c * m + j]`` (eqs. 3-4 of the paper).

    Args:
        branch_logits (Tensor): (B, m, K * m) joint logits (or (B, m, K) without target diversity).
        target_diversity (bool): whether the logits are joint.

    Returns:
        Tensor: (B, K).
    """
    return branch_class_logits(branch_logits, target_diversity).mean(dim=1)


def _remove_last_stage(backbone: nn.Module) -> Tuple[str, Optional[str]]:
    """Turn ``backbone`` into the trunk: its last stage (and post module) become ``nn.Identity``.

    ``backbone(x)[-1]`` is then the input of the last stage. Returns the key names of the removed
    last stage and post module, so a branch can be put back for transfer.
    """
    last = num_stages(backbone) - 1
    set_out_indices(backbone, [last])
    if isinstance(backbone, ResNet):
        name = backbone.res_layers[-1]
        setattr(backbone, name, nn.Identity())
        return name, None
    if isinstance(backbone, CIFARBackbone):
        backbone.stages[last] = nn.Identity()
        backbone.post = nn.Identity()
        return f'stages.{last}', 'post'
    raise TypeError(
        f'CSSNetwork supports mmpretrain ResNets and the mmkd CIFAR backbones, not {type(backbone).__name__}'
    )


class CSSBranch(nn.Module):
    """One CSS branch: a copy of the backbone's last stage (and post), GAP and a linear classifier.

    Args:
        body (nn.Module): the stage copy (``make_branch_body(backbone, L - 2)``).
        in_channels (int): channels of the body's output.
        num_outputs (int): classifier outputs (``K * m`` with target diversity).
    """

    def __init__(self, body: nn.Module, in_channels: int, num_outputs: int):
        super().__init__()
        self.body = body
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_channels, num_outputs)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.pool(self.body(x)).flatten(1))


@MODELS.register_module()
class CSSNetwork(BaseModel):
    """A CSS network: shared trunk, ``num_branches`` masked branches with joint-label classifiers.

    ``mode='tensor'`` returns the aggregated (B, K) logits, ``mode='loss'`` the CE of the branches
    (mean over branches, as in the authors' code), ``mode='predict'`` mmpretrain ``DataSample``s
    scored by the aggregated logits.

    Args:
        backbone (dict): an mmkd CIFAR backbone (CIFARResNet, WideResNet, ...) or an mmpretrain
            ResNet; the trunk is every stage but the last, each branch a fresh copy of the last.
        num_classes (int): K.
        num_branches (int): m, >= 1. Defaults to 3.
        sample_diversity (bool): mask the trunk output per branch. Defaults to True.
        target_diversity (bool): joint ``K * m`` labels per branch; False trains every branch on
            the K classes. Defaults to True.
        mask_layout (str): one of ``CSS_LAYOUTS`` (see :func:`css_masks`). Defaults to
            'code_corners' (the authors' code, which produced the paper's numbers).
        mask_fraction (float, optional): corner layouts: fraction of positions zeroed; None keeps
            the code's ``(H // 4) x (W // 4)`` blocks.
        data_preprocessor (dict, optional): defaults to ``ClsDataPreprocessor``.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(
        self,
        backbone: dict,
        num_classes: int,
        num_branches: int = 3,
        sample_diversity: bool = True,
        target_diversity: bool = True,
        mask_layout: str = 'code_corners',
        mask_fraction: Optional[float] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ):
        if data_preprocessor is None or isinstance(data_preprocessor, dict):
            data_preprocessor = dict(data_preprocessor or {})
            data_preprocessor.setdefault('type', 'ClsDataPreprocessor')
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f'num_classes must be a positive int, got {num_classes!r}')
        if not isinstance(num_branches, int) or num_branches < 1:
            raise ValueError(f'num_branches must be a positive int, got {num_branches!r}')
        check_choice('mask_layout', mask_layout, CSS_LAYOUTS)
        if mask_fraction is not None and mask_layout == 'quadrants':
            raise ValueError("mask_fraction applies to the corner layouts only, not mask_layout='quadrants'")
        if mask_fraction is not None and not 0 <= mask_fraction <= 1:
            raise ValueError(f'mask_fraction must be in [0, 1], got {mask_fraction}')
        self.num_classes = num_classes
        self.num_branches = num_branches
        self.sample_diversity = sample_diversity
        self.target_diversity = target_diversity
        self.mask_layout = mask_layout
        self.mask_fraction = mask_fraction

        self.backbone = MODELS.build(backbone) if isinstance(backbone, dict) else backbone
        if num_stages(self.backbone) < 2:
            raise ValueError('a CSS trunk needs a backbone with at least 2 stages')
        self.out_channels = getattr(self.backbone, 'out_channels', None) or stage_channels(self.backbone)[-1]
        tap = num_stages(self.backbone) - 2
        num_outputs = num_classes * num_branches if target_diversity else num_classes
        self.branches = nn.ModuleList(
            CSSBranch(make_branch_body(self.backbone, tap), self.out_channels, num_outputs) for _ in range(num_branches)
        )
        # built from the full backbone above; from here on the backbone is the trunk
        self.last_stage_key, self.post_key = _remove_last_stage(self.backbone)

    # ----------------------------------------------------------------- parts
    def extract_trunk(self, inputs: Tensor) -> Tensor:
        """The shared low-level feature map (B, C, H, W) that every branch masks."""
        return self.backbone(inputs)[-1]

    def spatial_masks(self, height: int, width: int, device=None) -> Tensor:
        """The (m, H, W) branch masks for an H x W trunk output (all ones without sample diversity)."""
        if not self.sample_diversity:
            return torch.ones(self.num_branches, height, width, device=device)
        return css_masks(self.num_branches, height, width, self.mask_layout, self.mask_fraction, device=device)

    def branch_logits(self, inputs: Tensor) -> Tensor:
        """Logits of every branch, (B, m, K * m) (or (B, m, K) without target diversity)."""
        feat = self.extract_trunk(inputs)
        masks = self.spatial_masks(*feat.shape[-2:], device=feat.device)
        outs = [
            branch(apply_mask(feat, mask) if self.sample_diversity else feat)
            for branch, mask in zip(self.branches, masks)
        ]
        return torch.stack(outs, dim=1)

    def aggregate(self, branch_logits: Tensor) -> Tensor:
        """The network's (B, K) class logits from its branch logits."""
        return aggregate_branch_logits(branch_logits, self.target_diversity)

    def branch_ce(self, branch_logits: Tensor, labels: Tensor) -> Tensor:
        """Mean over branches of ``CE(z^(j), y * m + j)`` (the authors' code divides the sum by m)."""
        targets = css_joint_targets(labels, self.num_branches, self.target_diversity)
        return torch.stack([F.cross_entropy(branch_logits[:, j], targets[j]) for j in range(self.num_branches)]).mean()

    # ----------------------------------------------------------------- forward
    def forward(self, inputs: Tensor, data_samples: Optional[List[DataSample]] = None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.aggregate(self.branch_logits(inputs))
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}" for CSSNetwork')

    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        labels = gt_labels(data_samples, inputs.device, 'CSSNetwork.loss')
        return dict(loss_ce=self.branch_ce(self.branch_logits(inputs), labels))

    def predict(self, inputs: Tensor, data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        return scores_to_samples(self(inputs, mode='tensor'), data_samples)

    # ----------------------------------------------------------------- transfer
    def transfer_state_dict(self, branch: int = 0) -> 'OrderedDict[str, Tensor]':
        """Trunk + branch ``branch``'s stage copy under the plain backbone's own ``backbone.*`` keys.

        The result loads strictly into ``MODELS.build(backbone_cfg)`` of the same family (the
        branch's mask and joint classifier are left out).
        """
        if not 0 <= branch < self.num_branches:
            raise ValueError(f'branch {branch} does not exist; the network has {self.num_branches}')
        out = OrderedDict()
        for key, value in self.backbone.state_dict().items():
            out[f'backbone.{key}'] = value
        # body = Sequential(last-stage copy, post copy), see make_branch_body
        for key, value in self.branches[branch].body.state_dict().items():
            index, rest = key.split('.', 1)
            target = self.last_stage_key if index == '0' else self.post_key
            if target is None:
                raise RuntimeError(f'branch key {key} has no place in the plain backbone')
            out[f'backbone.{target}.{rest}'] = value
        return OrderedDict((k, v.detach().cpu().clone().contiguous()) for k, v in out.items())


def scores_to_samples(logits: Tensor, data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
    """mmpretrain ``DataSample``s carrying ``softmax(logits)`` and the argmax label."""
    scores = F.softmax(logits, dim=1)
    labels = scores.argmax(dim=1, keepdim=True).detach()
    if data_samples is None:
        data_samples = [DataSample() for _ in range(len(scores))]
    for sample, score, label in zip(data_samples, scores, labels):
        sample.set_pred_score(score).set_pred_label(label)
    return list(data_samples)


def load_css_network(path: str, map_location: str = 'cpu') -> BaseModel:
    """Rebuild a CSS model from a ``tools/export_student.py`` CSS full export, in eval mode.

    The file holds ``{'state_dict': tensors, 'meta': {'model_cfg': ..., ...}}`` and loads with
    ``torch.load(weights_only=True)``: one peer rebuilds as a :class:`CSSNetwork`
    (``meta['network_cfg']``), an ``--ensemble`` export as a ``CSSDistiller`` scoring by the ensemble.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'exported CSS network {path} does not exist')
    state = torch.load(path, map_location=map_location, weights_only=True)
    meta = state.get('meta') or {}
    cfg = meta.get('model_cfg') if meta.get('ensemble') else meta.get('network_cfg')
    if meta.get('mode') != 'full' or not isinstance(cfg, dict):
        raise ValueError(
            f'{path} is not a full CSS export (meta.mode={meta.get("mode")!r}); '
            'write one with tools/export_student.py CKPT OUT --css-export full'
        )
    model = MODELS.build(cfg)
    model.load_state_dict(state['state_dict'], strict=True)
    return model.eval()
