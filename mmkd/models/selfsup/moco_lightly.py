"""MoCo v2, stage 1 of SSSD, assembled from lightly's building blocks inside an mmengine model."""

import copy
import warnings
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
from lightly.loss import NTXentLoss
from lightly.models.modules import MoCoProjectionHead
from lightly.models.utils import deactivate_requires_grad, update_momentum
from mmengine.model import BaseModel
from mmpretrain.models.utils import batch_shuffle_ddp, batch_unshuffle_ddp

from mmkd.registry import MODELS

from ..branches.stage_copies import out_channels

#: negatives in MoCo's memory bank (MoCo v2)
DEFAULT_QUEUE_SIZE = 65536


def backbone_out_channels(backbone: nn.Module) -> int:
    """Channels of the backbone's final feature (after its post module, e.g. MobileNetV2's 1x1 conv)."""
    channels = getattr(backbone, 'out_channels', None)
    if isinstance(channels, int):
        return channels
    try:
        return out_channels(backbone)
    except (AttributeError, TypeError):
        raise ValueError(
            f'cannot tell the output channels of {type(backbone).__name__}; '
            'set projection.input_dim in the model config'
        ) from None


@MODELS.register_module()
class LightlyMoCo(BaseModel):
    """MoCo v2: momentum contrast with a queue of negatives (He et al. 2020, Chen et al. 2020).

    The query is ``projection_head(GAP(backbone(view0)))``; the key is the same computation by
    the momentum copies on ``view1``, without gradients. The loss is lightly's ``NTXentLoss`` with
    a ``(queue_size, output_dim)`` memory bank: InfoNCE of each query against its key and the
    queue of earlier keys, after which the keys are enqueued. :class:`MoCoMomentumHook` moves the
    momentum copies towards the trained ones after every iteration.

    Only ``backbone.*`` is a student part (see ``mmkd.apis.export``); ``backbone_momentum``,
    ``projection_head*`` and ``criterion`` (the queue) are dropped by ``tools/export_student.py``.

    Args:
        backbone (dict): an mmpretrain / mmkd backbone config; its last output is pooled.
        projection (dict, optional): ``MoCoProjectionHead`` arguments. ``input_dim`` defaults to
            the backbone's output channels; ``hidden_dim=2048``, ``output_dim=128`` (MoCo v2).
        queue_size (int): negatives kept in the memory bank. Defaults to 65536 (``DEFAULT_QUEUE_SIZE``).
        tau (float): InfoNCE temperature. Defaults to 0.2.
        momentum (float): momentum of the key encoder at the first iteration (the hook anneals
            it). Defaults to 0.999.
        shuffle_bn (bool): shuffle the key batch across processes before the key encoder
            (mmpretrain's ``batch_shuffle_ddp``), so BN statistics cannot leak the positive.
            Defaults to True.
        gather_distributed (bool): enqueue the keys of every process, as the reference MoCo.
            Defaults to True.
        data_preprocessor (dict, optional): defaults to ``SelfSupDataPreprocessor``, which takes
            ``inputs`` as a list of view batches.
        init_cfg (dict, optional): initialisation config.
        temperature (float, optional): deprecated name of ``tau``.
    """

    def __init__(
        self,
        backbone: dict,
        projection: Optional[dict] = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        tau: float = 0.2,
        momentum: float = 0.999,
        shuffle_bn: bool = True,
        gather_distributed: bool = True,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        temperature: Optional[float] = None,
    ):
        if temperature is not None:
            warnings.warn('LightlyMoCo(temperature=...) is deprecated: set model.tau', DeprecationWarning)
            tau = temperature
        data_preprocessor = dict(data_preprocessor or {})
        data_preprocessor.setdefault('type', 'SelfSupDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if queue_size < 1:
            raise ValueError(f'LightlyMoCo: queue_size must be >= 1, got {queue_size}')
        if not 0 <= momentum <= 1:
            raise ValueError(f'LightlyMoCo: momentum must be in [0, 1], got {momentum}')
        self.backbone = MODELS.build(backbone)
        projection = dict(dict(hidden_dim=2048, output_dim=128), **(projection or {}))
        projection.setdefault('input_dim', backbone_out_channels(self.backbone))
        self.projection_head = MoCoProjectionHead(**projection)
        self.backbone_momentum = copy.deepcopy(self.backbone)
        self.projection_head_momentum = copy.deepcopy(self.projection_head)
        deactivate_requires_grad(self.backbone_momentum)
        deactivate_requires_grad(self.projection_head_momentum)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.tau = tau
        self.criterion = NTXentLoss(
            temperature=tau,
            memory_bank_size=(queue_size, projection['output_dim']),
            gather_distributed=gather_distributed,
        )
        # lightly keeps the queue out of state_dict; keep it in, so --resume restores it.
        bank = self.criterion.memory_bank
        for name in ('bank', 'bank_ptr'):
            bank.register_buffer(name, getattr(bank, name), persistent=True)
        self.momentum = momentum
        self.shuffle_bn = shuffle_bn

    def init_weights(self):
        super().init_weights()
        # init_cfg re-initialises the copies independently: the key encoder starts as the query's.
        self.backbone_momentum.load_state_dict(self.backbone.state_dict())
        self.projection_head_momentum.load_state_dict(self.projection_head.state_dict())

    @torch.no_grad()
    def momentum_update(self, momentum: float) -> None:
        """``key_params = m * key_params + (1 - m) * query_params`` (lightly's ``update_momentum``)."""
        update_momentum(self.backbone, self.backbone_momentum, m=momentum)
        update_momentum(self.projection_head, self.projection_head_momentum, m=momentum)

    @property
    def queue(self) -> torch.Tensor:
        """The memory bank of keys, ``(queue_size, output_dim)``, L2-normalised rows."""
        return self.criterion.memory_bank.bank

    def embed(self, inputs: torch.Tensor, momentum: bool = False) -> torch.Tensor:
        """Projection of ``inputs`` by the query encoder, or by the key encoder (``momentum``)."""
        backbone = self.backbone_momentum if momentum else self.backbone
        head = self.projection_head_momentum if momentum else self.projection_head
        return head(self.pool(backbone(inputs)[-1]).flatten(1))

    def extract_feat(self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]):
        """Backbone outputs of the first view (``mode='tensor'``)."""
        if isinstance(inputs, (list, tuple)):
            inputs = inputs[0]
        return self.backbone(inputs)

    def forward(
        self, inputs: Union[torch.Tensor, List[torch.Tensor]], data_samples: Optional[list] = None, mode: str = 'tensor'
    ):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise RuntimeError(
            f'Invalid mode "{mode}" for LightlyMoCo: it has no classifier; score it with '
            'tools/linear_probe.py or tools/kmeans_pseudo_labels.py'
        )

    def loss(self, inputs: List[torch.Tensor], data_samples: Optional[list] = None) -> dict:
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            got = f'{len(inputs)} views' if isinstance(inputs, (list, tuple)) else type(inputs).__name__
            raise ValueError(
                f'LightlyMoCo needs inputs=[view0, view1] (MultiView with num_views=2 and '
                f'SelfSupDataPreprocessor), got {got}'
            )
        query = self.embed(inputs[0])
        with torch.no_grad():
            keys = inputs[1]
            if self.shuffle_bn:
                keys, unshuffle = batch_shuffle_ddp(keys)
            key = self.embed(keys, momentum=True)
            if self.shuffle_bn:
                key = batch_unshuffle_ddp(key, unshuffle)
        return dict(loss=self.criterion(query, key))
