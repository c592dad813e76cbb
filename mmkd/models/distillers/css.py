"""CSS: Channel Self-Supervision for Online Knowledge Distillation (Fan et al.).

Two peer :class:`~mmkd.models.classifiers.CSSNetwork` s (possibly of different architectures) see
the same batch. Each is trained with the mean over its branches of the joint-label CE; branch
``j`` of each network learns from branch ``j`` of the other (same mask, same transformation id)
by ``T^2 KL`` over the full ``K * m`` joint softmax, weighted by the dynamic weights
``alpha1 = CE1 / CE2`` (net1 as student) and ``alpha2 = 1 / alpha1``. As in the authors' code,
nothing is detached by default: gradients reach the KD targets and the weights' CE inputs.

The whole objective is one sum with one backward; one SGD optimizer over both networks equals the
code's two identically configured optimizers, since SGD updates every parameter independently.

``export_css`` writes a chosen network for deployment (``full``: every branch, predictions
unchanged) or for transfer (``transfer``: trunk + first branch as a plain backbone checkpoint).
"""
import copy
import inspect
import os
import os.path as osp
import tempfile
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.runner.checkpoint import _load_checkpoint
from torch import Tensor

from mmkd.registry import MODELS
from ..classifiers.css_network import CSSNetwork, branch_class_logits, scores_to_samples
from ..losses import kl_div_with_temperature
from .base import BaseDistiller, gt_labels

EVAL_MODES = ('net1_agg', 'net2_agg', 'ensemble')
DIVERSITY_SPACES = ('joint', 'class')
#: switches of the distiller that every network must share (branches are distilled one-to-one)
SHARED_NETWORK_KEYS = ('num_branches', 'sample_diversity', 'target_diversity', 'mask_layout', 'mask_fraction')


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f'{name}={value!r} is not one of {list(choices)}')


def css_network_cfgs(net1: dict, net2: Optional[dict] = None, num_networks: int = 2, **shared) -> List[dict]:
    """The config of every network, with the distiller's shared switches written in.

    Args:
        net1 (dict): config of network 1 (``type`` defaults to ``'CSSNetwork'``).
        net2 (dict, optional): config of network 2; None makes it a second, independently
            initialised ``net1``.
        num_networks (int): 1 (no distillation: the paper's ablation cases A/B) or 2.
        **shared: values of ``SHARED_NETWORK_KEYS``; a network config may repeat one only with
            the same value.

    Returns:
        list[dict]: ``num_networks`` configs.
    """
    _check_choice('num_networks', num_networks, (1, 2))
    cfgs = [net1] if num_networks == 1 else [net1, net1 if net2 is None else net2]
    out = []
    for k, cfg in enumerate(cfgs, 1):
        if not isinstance(cfg, dict):
            raise TypeError(f'net{k} must be a CSSNetwork config dict, got {type(cfg).__name__}')
        cfg = copy.deepcopy(cfg.to_dict() if isinstance(cfg, ConfigDict) else dict(cfg))
        cfg.setdefault('type', 'CSSNetwork')
        for key, value in shared.items():
            if key in cfg and cfg[key] != value:
                raise ValueError(f'net{k}.{key}={cfg[key]!r} conflicts with the distiller\'s {key}={value!r}; '
                                 'set it once on the distiller (both networks must share it)')
            cfg[key] = value
        out.append(cfg)
    return out


def css_dynamic_weights(ce1: Tensor, ce2: Tensor, dynamic: bool = True, detach: bool = False) -> Tuple[Tensor, Tensor]:
    """``alpha1 = CE1 / CE2`` (weight of net1 learning from net2) and ``alpha2 = CE2 / CE1``.

    The weaker network (higher CE) leans more on its peer. ``dynamic=False`` gives the fixed
    weights 1 (ablation case C); ``detach`` stops the gradient into the CEs through the weights
    (the authors' code does not).
    """
    if not dynamic:
        one = torch.ones((), device=ce1.device, dtype=ce1.dtype)
        return one, one
    if detach:
        ce1, ce2 = ce1.detach(), ce2.detach()
    return ce1 / ce2, ce2 / ce1


def branch_kd(student: Tensor, teacher: Tensor, tau: float, detach_teacher: bool = False) -> Tensor:
    """Mean over matching branches ``j`` of ``tau^2 KL(softmax(t_j / tau) || softmax(s_j / tau))``.

    Args:
        student (Tensor): (B, m, D) branch logits of the learning network.
        teacher (Tensor): (B, m, D) branch logits of its peer; branch ``j`` teaches branch ``j``.
        tau (float): temperature.
        detach_teacher (bool): stop the gradient through the peer's softmax.

    Returns:
        Tensor: scalar.
    """
    if student.shape != teacher.shape:
        raise ValueError(f'CSS distils matching branches of equal width; got {tuple(student.shape)} and '
                         f'{tuple(teacher.shape)} (B, branches, outputs): give both networks the same '
                         'num_classes and num_branches')
    return torch.stack([kl_div_with_temperature(student[:, j], teacher[:, j], tau, detach_teacher)
                        for j in range(student.shape[1])]).mean()


@MODELS.register_module()
class CSSDistiller(BaseDistiller):
    """CSS online distillation between one or two :class:`CSSNetwork` s.

    Loss terms: ``net{k}.loss_ce`` (mean over branches of the joint-label CE) and, with two
    networks, ``net1.loss_kd = alpha1 * KD(net1 <- net2)`` and ``net2.loss_kd = alpha2 *
    KD(net2 <- net1)``; ``alpha1`` and ``alpha2`` are logged.

    ``predict`` scores by ``eval_mode`` and attaches ``css_net_logits`` (networks x K aggregated
    logits) and ``css_branch_probs`` (networks x m x D branch softmax) to every sample for the
    ``CSSMetric`` (net1 / net2 / ensemble accuracy, branch diversity).

    Args:
        net1 (dict): CSSNetwork config (``backbone``, ``num_classes``).
        net2 (dict, optional): CSSNetwork config of the peer; None = a second ``net1``.
        num_networks (int): 2 (CSS) or 1 (one network, CE only). Defaults to 2.
        num_branches (int): m, branches per network. Defaults to 3.
        temperature (float): KD temperature T. Defaults to 3.0.
        sample_diversity (bool): per-branch spatial masks. Defaults to True.
        target_diversity (bool): joint K*m labels (False: plain K labels). Defaults to True.
        dynamic_weight (bool): ``alpha1 = CE1/CE2``; False fixes both weights to 1. Defaults to True.
        mask_layout (str): see :func:`mmkd.models.utils.css_masks`. Defaults to 'code_corners'.
        mask_fraction (float, optional): corner layouts: fraction of positions masked; None is the
            code's (H//4) x (W//4) block. Defaults to None.
        detach_teacher (bool): stop gradients through the peer's KD targets. Defaults to False (code).
        detach_alpha (bool): stop gradients through the dynamic weights. Defaults to False (code).
        eval_mode (str): what ``predict`` / ``tensor`` score: ``'net1_agg'``, ``'net2_agg'`` or
            ``'ensemble'`` (mean of both networks' aggregated logits). Defaults to 'net1_agg'.
        diversity_space (str): softmax the diversity metric compares: ``'joint'`` (each branch's
            full K*m output, as the authors' code) or ``'class'`` (its K logits of its own
            transformation). Defaults to 'joint'.
        **kwargs: ``data_preprocessor``, ``init_cfg`` (see :class:`BaseDistiller`).
    """

    def __init__(self,
                 net1: dict,
                 net2: Optional[dict] = None,
                 num_networks: int = 2,
                 num_branches: int = 3,
                 temperature: float = 3.0,
                 sample_diversity: bool = True,
                 target_diversity: bool = True,
                 dynamic_weight: bool = True,
                 mask_layout: str = 'code_corners',
                 mask_fraction: Optional[float] = None,
                 detach_teacher: bool = False,
                 detach_alpha: bool = False,
                 eval_mode: str = 'net1_agg',
                 diversity_space: str = 'joint',
                 **kwargs):
        super().__init__(student=None, **kwargs)
        _check_choice('eval_mode', eval_mode, EVAL_MODES)
        _check_choice('diversity_space', diversity_space, DIVERSITY_SPACES)
        if num_networks == 1 and eval_mode != 'net1_agg':
            raise ValueError(f'eval_mode={eval_mode!r} needs two networks; num_networks=1 has net1_agg only')
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        cfgs = css_network_cfgs(net1, net2, num_networks, num_branches=num_branches,
                                sample_diversity=sample_diversity, target_diversity=target_diversity,
                                mask_layout=mask_layout, mask_fraction=mask_fraction)
        self.nets = nn.ModuleList(MODELS.build(cfg) for cfg in cfgs)
        for k, net in enumerate(self.nets, 1):
            if not isinstance(net, CSSNetwork):
                raise TypeError(f'net{k} must build a CSSNetwork, got {type(net).__name__}')
        self.check_num_classes()
        self.num_networks = num_networks
        self.num_branches = num_branches
        self.temperature = temperature
        self.target_diversity = target_diversity
        self.dynamic_weight = dynamic_weight
        self.detach_teacher = detach_teacher
        self.detach_alpha = detach_alpha
        self.eval_mode = eval_mode
        self.diversity_space = diversity_space

    @property
    def student(self) -> CSSNetwork:
        """The network ``eval_mode`` evaluates (net1 for the ensemble)."""
        return self.nets[1 if self.eval_mode == 'net2_agg' else 0]

    # ----------------------------------------------------------------- training
    def loss(self, inputs: Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        outs = [net.branch_logits(inputs) for net in self.nets]
        ces = [net.branch_ce(z, labels) for net, z in zip(self.nets, outs)]
        losses = {f'net{k}.loss_ce': ce for k, ce in enumerate(ces, 1)}
        if self.num_networks == 2:
            alpha1, alpha2 = css_dynamic_weights(ces[0], ces[1], self.dynamic_weight, self.detach_alpha)
            tau, detach = self.temperature, self.detach_teacher
            losses['net1.loss_kd'] = alpha1 * branch_kd(outs[0], outs[1], tau, detach)
            losses['net2.loss_kd'] = alpha2 * branch_kd(outs[1], outs[0], tau, detach)
            losses['alpha1'], losses['alpha2'] = alpha1.detach(), alpha2.detach()
        return losses

    # ----------------------------------------------------------------- inference
    def forward_nets(self, inputs: Tensor) -> Tuple[List[Tensor], List[Tensor]]:
        """Branch logits (B, m, D) and aggregated logits (B, K) of every network."""
        outs = [net.branch_logits(inputs) for net in self.nets]
        return outs, [net.aggregate(z) for net, z in zip(self.nets, outs)]

    def select_logits(self, aggregated: Sequence[Tensor]) -> Tensor:
        """The logits ``eval_mode`` scores by."""
        if self.eval_mode == 'ensemble':
            return torch.stack(list(aggregated)).mean(0)
        return aggregated[1 if self.eval_mode == 'net2_agg' else 0]

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.select_logits(self.forward_nets(inputs)[1])
        return super().forward(inputs, data_samples, mode)

    def predict(self, inputs: Tensor, data_samples: Optional[list] = None) -> list:
        outs, aggregated = self.forward_nets(inputs)
        samples = scores_to_samples(self.select_logits(aggregated), data_samples)
        space = (lambda z: z) if self.diversity_space == 'joint' else (
            lambda z: branch_class_logits(z, self.target_diversity))
        probs = torch.stack([F.softmax(space(z), dim=-1) for z in outs], dim=1)  # (B, n, m, D)
        net_logits = torch.stack(aggregated, dim=1)  # (B, n, K)
        for sample, logits, prob in zip(samples, net_logits, probs):
            sample.set_field(logits, 'css_net_logits', dtype=Tensor)
            sample.set_field(prob, 'css_branch_probs', dtype=Tensor)
        return samples


# --------------------------------------------------------------------------- export
EXPORT_MODES = ('full', 'transfer')


def _plain(value):
    """Config values as plain python (what ``torch.load(weights_only=True)`` accepts)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f'config value {value!r} ({type(value).__name__}) cannot go into a tensor-only checkpoint')


def css_export_network_cfg(cfg: Config, net: int = 1) -> dict:
    """The standalone ``CSSNetwork`` config of network ``net`` (1-based) of a training config."""
    model = cfg.model.to_dict() if isinstance(cfg.model, ConfigDict) else dict(cfg.model)
    if model.get('type') == 'CSSNetwork':
        if net != 1:
            raise ValueError(f'--net {net}: the checkpoint holds a single CSSNetwork')
        network = model
    elif model.get('type') == 'CSSDistiller':
        params = inspect.signature(CSSDistiller.__init__).parameters
        args = {name: p.default for name, p in params.items() if p.default is not inspect.Parameter.empty}
        args.update(model)
        if not 1 <= net <= args['num_networks']:
            raise ValueError(f'--net {net} does not exist; the model has {args["num_networks"]} network(s)')
        network = css_network_cfgs(args['net1'], args['net2'], args['num_networks'],
                                   **{k: args[k] for k in SHARED_NETWORK_KEYS})[net - 1]
    else:
        raise ValueError(f'model.type={model.get("type")!r} is not a CSS model (CSSDistiller or CSSNetwork)')
    preprocessor = model.get('data_preprocessor') or cfg.get('data_preprocessor')
    if preprocessor is not None and 'data_preprocessor' not in network:
        network['data_preprocessor'] = preprocessor.to_dict() if isinstance(preprocessor, ConfigDict) else preprocessor
    return _plain(network)


def _atomic_save(obj: dict, out: str) -> None:
    out_dir = osp.dirname(osp.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix='.tmp')
    os.close(fd)
    try:
        torch.save(obj, tmp)
        torch.load(tmp, weights_only=True)  # prove it is tensor-only before it replaces anything
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def export_css(ckpt: str, out: str, net: int = 1, mode: str = 'full', config: Optional[str] = None) -> dict:
    """Export network ``net`` of a CSS checkpoint; return the meta written beside the tensors.

    Args:
        ckpt (str): checkpoint of ``tools/train.py`` (a CSSDistiller or a lone CSSNetwork).
        out (str): output file, written atomically; it loads with ``torch.load(weights_only=True)``.
        net (int): 1 or 2. Defaults to 1.
        mode (str): ``'full'``: the whole network (trunk, every branch with its mask, joint
            classifiers) plus its config in ``meta.network_cfg``; :func:`load_css_network`
            rebuilds it and it predicts exactly as in training. ``'transfer'``: the trunk and the
            first branch's stage copy as ``backbone.*`` under the plain backbone's own key names
            (no mask, no classifier), for mmpretrain / mmdet / mmseg.
        config (str, optional): the training config; defaults to the one saved in the checkpoint.
    """
    from mmkd import __version__
    _check_choice('mode', mode, EXPORT_MODES)
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'checkpoint {ckpt} does not exist')
    state = _load_checkpoint(ckpt, map_location='cpu')
    state_dict = state.get('state_dict', state)
    if config is not None:
        cfg = Config.fromfile(config)
    else:
        text = (state.get('meta') or {}).get('cfg')
        if not text:
            raise ValueError(f'{ckpt} carries no config (meta.cfg); pass the training config with --config')
        cfg = Config.fromstring(text, file_format='.py')
    network_cfg = css_export_network_cfg(cfg, net)
    prefix = f'nets.{net - 1}.' if cfg.model.get('type') == 'CSSDistiller' else ''
    weights = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    network = MODELS.build(network_cfg)
    missing, unexpected = network.state_dict().keys() - weights.keys(), weights.keys() - network.state_dict().keys()
    if missing or unexpected:
        raise ValueError(f'{ckpt} does not fit network {net} of its config: missing {sorted(missing)[:5]}, '
                         f'unexpected {sorted(unexpected)[:5]}')
    network.load_state_dict(weights, strict=True)
    meta = dict(mmkd_version=__version__, source=osp.abspath(ckpt), net=net, mode=mode,
                num_branches=network.num_branches)
    if mode == 'full':
        tensors = {k: v.detach().cpu().clone().contiguous() for k, v in network.state_dict().items()}
        meta['network_cfg'] = network_cfg
    else:
        tensors = network.transfer_state_dict(branch=0)
        plain = MODELS.build(network_cfg['backbone']).state_dict()
        expected = {f'backbone.{k}': v.shape for k, v in plain.items()}
        got = {k: v.shape for k, v in tensors.items()}
        if expected != got:
            bad = sorted(set(expected) ^ set(got)) or sorted(k for k in got if got[k] != expected[k])
            raise RuntimeError(f'transfer weights do not match the plain backbone: {bad[:5]}')
        meta['backbone_cfg'] = network_cfg['backbone']
    meta['num_tensors'] = len(tensors)
    meta['num_params'] = int(sum(v.numel() for v in tensors.values() if v.is_floating_point()))
    _atomic_save({'state_dict': tensors, 'meta': meta}, out)
    return meta
