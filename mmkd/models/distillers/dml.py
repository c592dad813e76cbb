from typing import List

import torch
import torch.nn as nn

from mmkd.registry import MODELS

from ..losses import kl_div_with_temperature
from .base import BaseClassifierModel, build_classifier, gt_labels


class OnlineDistiller(BaseClassifierModel):
    """Base of online methods: K >= 2 peer classifiers trained together, no teacher.

    The peers live in ``self.peers``; ``self.student`` is the peer that is evaluated and exported
    by default (``eval_peer``), and ``tools/export_student.py --peer K`` exports any other.

    Args:
        peers (list[dict]): one classifier config per peer (heterogeneous peers allowed).
        eval_peer (int): the peer used by ``predict`` / ``tensor``. Defaults to 0.
        **kwargs: ``data_preprocessor`` and ``init_cfg`` (see :class:`BaseClassifierModel`).
    """

    def __init__(self, peers: List[dict], eval_peer: int = 0, **kwargs):
        if not isinstance(peers, (list, tuple)) or len(peers) < 2:
            raise ValueError(f'{type(self).__name__} needs a list of at least 2 peer configs, got {peers!r}')
        if not 0 <= eval_peer < len(peers):
            raise ValueError(f'eval_peer={eval_peer} is out of range for {len(peers)} peers')
        first = peers[0] if isinstance(peers[0], dict) else {}
        kwargs.setdefault('data_preprocessor', first.get('data_preprocessor'))
        super().__init__(student=None, **kwargs)
        self.peers = nn.ModuleList(build_classifier(cfg, f'peer {k}') for k, cfg in enumerate(peers))
        self.eval_peer = eval_peer
        self.check_num_classes()

    @property
    def student(self) -> nn.Module:
        return self.peers[self.eval_peer]

    @property
    def num_peers(self) -> int:
        return len(self.peers)


@MODELS.register_module()
class DMLDistiller(OnlineDistiller):
    """Deep Mutual Learning (Zhang et al., CVPR 2018).

    Peer k minimises ``CE(z_k, y) + kl_weight * mean_{m != k} tau^2 KL(sg softmax(z_m/tau) || softmax(z_k/tau))``;
    the copied peer is detached, so each KL term trains only the learning peer.

    Args:
        peers (list[dict]): peer classifier configs.
        tau (float): temperature. Defaults to 1.0 (as in DML).
        ce_weight (float): weight of each peer's CE. Defaults to 1.0.
        kl_weight (float): weight of each peer's mutual term. Defaults to 1.0.
        **kwargs: see :class:`OnlineDistiller`.
    """

    def __init__(self, peers: List[dict], tau: float = 1.0, ce_weight: float = 1.0, kl_weight: float = 1.0, **kwargs):
        super().__init__(peers=peers, **kwargs)
        self.tau = tau
        self.ce_weight = ce_weight
        self.kl_weight = kl_weight

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        labels = gt_labels(data_samples, inputs.device)
        logits = [self.classify(peer, inputs)[1] for peer in self.peers]
        losses = {}
        for k, (peer, z_k) in enumerate(zip(self.peers, logits)):
            losses[f'peer{k}.loss_ce'] = self.ce_weight * peer.head.loss_module(z_k, labels)
            mutual = [kl_div_with_temperature(z_k, z_m, self.tau) for m, z_m in enumerate(logits) if m != k]
            losses[f'peer{k}.loss_kl'] = self.kl_weight * torch.stack(mutual).mean()
        return losses
