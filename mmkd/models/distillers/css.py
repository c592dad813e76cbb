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
import os.path as osp
import warnings
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from torch import Tensor

from mmkd.registry import MODELS

from ..classifiers.css_network import CSSNetwork, branch_class_logits, scores_to_samples
from ..losses import kl_div_with_temperature
from .base import BaseClassifierModel, gt_labels

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
                raise ValueError(
                    f'net{k}.{key}={cfg[key]!r} conflicts with the distiller\'s {key}={value!r}; '
                    'set it once on the distiller (both networks must share it)'
                )
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
        raise ValueError(
            f'CSS distils matching branches of equal width; got {tuple(student.shape)} and '
            f'{tuple(teacher.shape)} (B, branches, outputs): give both networks the same '
            'num_classes and num_branches'
        )
    return torch.stack(
        [kl_div_with_temperature(student[:, j], teacher[:, j], tau, detach_teacher) for j in range(student.shape[1])]
    ).mean()


@MODELS.register_module()
class CSSDistiller(BaseClassifierModel):
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
        **kwargs: ``data_preprocessor``, ``init_cfg`` (see :class:`BaseClassifierModel`).
    """

    def __init__(
        self,
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
        **kwargs,
    ):
        super().__init__(student=None, **kwargs)
        _check_choice('eval_mode', eval_mode, EVAL_MODES)
        _check_choice('diversity_space', diversity_space, DIVERSITY_SPACES)
        if num_networks == 1 and eval_mode != 'net1_agg':
            raise ValueError(f'eval_mode={eval_mode!r} needs two networks; num_networks=1 has net1_agg only')
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        cfgs = css_network_cfgs(
            net1,
            net2,
            num_networks,
            num_branches=num_branches,
            sample_diversity=sample_diversity,
            target_diversity=target_diversity,
            mask_layout=mask_layout,
            mask_fraction=mask_fraction,
        )
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
        space = (
            (lambda z: z)
            if self.diversity_space == 'joint'
            else (lambda z: branch_class_logits(z, self.target_diversity))
        )
        probs = torch.stack([F.softmax(space(z), dim=-1) for z in outs], dim=1)  # (B, n, m, D)
        net_logits = torch.stack(aggregated, dim=1)  # (B, n, K)
        for sample, logits, prob in zip(samples, net_logits, probs):
            sample.set_field(logits, 'css_net_logits', dtype=Tensor)
            sample.set_field(prob, 'css_branch_probs', dtype=Tensor)
        return samples


# --------------------------------------------------------------------------- export
EXPORT_MODES = ('full', 'transfer')


def css_export_network_cfg(cfg, net: int = 1) -> dict:
    """The standalone ``CSSNetwork`` config of network ``net`` (1-based).

    Args:
        cfg (Config | dict): a training config, or its model config as plain data with the
            top-level ``data_preprocessor`` merged in (as :func:`mmkd.apis.runner.model_config`).
        net (int): 1 or 2. Defaults to 1.
    """
    from mmkd.utils.config_data import plain_data

    if isinstance(cfg, Config):
        from mmkd.apis.runner import model_config

        cfg = model_config(cfg)
    model = copy.deepcopy(cfg.to_dict() if isinstance(cfg, ConfigDict) else dict(cfg))
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
        network = css_network_cfgs(
            args['net1'], args['net2'], args['num_networks'], **{k: args[k] for k in SHARED_NETWORK_KEYS}
        )[net - 1]
    else:
        raise ValueError(f'model.type={model.get("type")!r} is not a CSS model (CSSDistiller or CSSNetwork)')
    preprocessor = model.get('data_preprocessor')
    if preprocessor is not None and 'data_preprocessor' not in network:
        network['data_preprocessor'] = preprocessor
    return plain_data(network)


def default_css_net(model_cfg: dict) -> Tuple[int, str]:
    """``(net, how it was chosen)``: the network ``eval_mode`` evaluates, 1-based.

    ``eval_mode='ensemble'`` scores both networks together, which no single network reproduces:
    net 1 is exported then, with a warning.
    """
    if model_cfg.get('type') != 'CSSDistiller':
        return 1, 'the only network'
    mode = model_cfg.get('eval_mode', 'net1_agg')
    if mode == 'ensemble':
        warnings.warn(
            'eval_mode=ensemble evaluates both networks together; one network cannot reproduce it: '
            'exporting net 1 (fallback). Pass --net 2 for the other one.'
        )
        return 1, 'fallback net 1: eval_mode=ensemble'
    net = 2 if mode == 'net2_agg' else 1
    return net, f'the network the method evaluates: eval_mode={mode}'


def export_css(
    ckpt: str,
    out: str,
    net: Optional[int] = None,
    mode: str = 'full',
    config: Optional[str] = None,
    force: bool = False,
) -> dict:
    """Export network ``net`` of a CSS checkpoint; return the meta written beside the tensors.

    Nothing stored in the checkpoint is executed: the model config comes from
    ``meta['mmkd_model_cfg']`` or from ``meta['cfg']`` read as data (literals only), or from ``config``.

    Args:
        ckpt (str): checkpoint of ``tools/train.py`` (a CSSDistiller or a lone CSSNetwork).
        out (str): output file, written atomically; it loads with ``torch.load(weights_only=True)``.
            Refused when it exists unless ``force``.
        net (int, optional): 1 or 2. Defaults to the network ``eval_mode`` evaluates (net 1 for
            ``'ensemble'``, with a warning).
        mode (str): ``'full'``: the whole network (trunk, every branch with its mask, joint
            classifiers) plus its config in ``meta.network_cfg``; :func:`load_css_network`
            rebuilds it and it predicts exactly as in training. ``'transfer'``: the trunk and the
            first branch's stage copy as ``backbone.*`` under the plain backbone's own key names
            (no mask, no classifier), for mmpretrain / mmdet / mmseg.
        config (str, optional): the training config file; defaults to the model config the
            checkpoint carries.
        force (bool): replace an existing ``out``. Defaults to False.
    """
    from mmkd import __version__
    from mmkd.apis.export import check_output, write_checkpoint
    from mmkd.utils.checkpoint import safe_load_checkpoint
    from mmkd.utils.config_data import model_cfg_from_meta, plain_data

    _check_choice('mode', mode, EXPORT_MODES)
    check_output(out, force)
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'checkpoint {ckpt} does not exist')
    state = safe_load_checkpoint(ckpt, map_location='cpu')
    state_dict = state.get('state_dict', state)
    src_meta = state.get('meta') if isinstance(state.get('meta'), dict) else {}
    if config is not None:
        from mmkd.apis.runner import load_config, model_config

        model_cfg, source = model_config(load_config(config)), config
    else:
        model_cfg, source = model_cfg_from_meta(src_meta)
        if model_cfg is None:
            raise ValueError(
                f"{ckpt} carries no model config readable as data (meta['mmkd_model_cfg'], or a "
                "meta['cfg'] made of literals); pass the training config with --config"
            )
    how = '--net'
    if net is None:
        net, how = default_css_net(model_cfg)
    network_cfg = css_export_network_cfg(model_cfg, net)
    prefix = f'nets.{net - 1}.' if model_cfg.get('type') == 'CSSDistiller' else ''
    weights = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
    network = MODELS.build(network_cfg)
    missing, unexpected = network.state_dict().keys() - weights.keys(), weights.keys() - network.state_dict().keys()
    if missing or unexpected:
        raise ValueError(
            f'{ckpt} does not fit network {net} of its config: missing {sorted(missing)[:5]}, '
            f'unexpected {sorted(unexpected)[:5]}'
        )
    network.load_state_dict(weights, strict=True)
    meta = dict(
        mmkd_version=__version__,
        source=osp.abspath(ckpt),
        net=net,
        net_choice=how,
        mode=mode,
        num_branches=network.num_branches,
        model_cfg_source=source,
    )
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
        if isinstance(network_cfg['backbone'].get('type'), str):
            meta['backbone_type'] = network_cfg['backbone']['type']
    if isinstance(src_meta.get('dataset_meta'), dict):
        try:
            meta['dataset_meta'] = plain_data(src_meta['dataset_meta'])
        except TypeError:
            pass
    meta['num_tensors'] = len(tensors)
    meta['num_params'] = int(sum(v.numel() for v in tensors.values() if v.is_floating_point()))
    write_checkpoint({'state_dict': tensors, 'meta': meta}, out, force)
    return meta
