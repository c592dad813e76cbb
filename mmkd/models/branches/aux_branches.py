from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from .stage_copies import make_branch_body, num_stages, out_channels


class AuxiliaryBranches(BaseModule):
    """Auxiliary branches hung after backbone stages (HSSAKD, MixSKD).

    Branch ``l`` = fresh copies of the stages deeper than tap ``l`` (see :func:`make_branch_body`),
    then global average pooling and a linear classifier. Built from a backbone instance, so it is
    constructed by the distiller that owns the backbone.

    Args:
        backbone (nn.Module): the backbone whose stages are copied.
        num_outputs (int): outputs of every branch classifier (e.g. N*M for HSSAKD). ``0`` keeps
            the branches feature-only.
        taps (Sequence[int], optional): stage indices the branches hang after. Defaults to all.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_outputs: int,
        taps: Optional[Sequence[int]] = None,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(init_cfg)
        total = num_stages(backbone)
        self.taps = list(range(total)) if taps is None else [t % total for t in taps]
        self.bodies = nn.ModuleList(make_branch_body(backbone, t) for t in self.taps)
        # the branch output: the backbone's final width (after its post module, if any)
        self.out_channels = out_channels(backbone)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fcs = nn.ModuleList(nn.Linear(self.out_channels, num_outputs) for _ in self.taps) if num_outputs else None
        if self.fcs is not None:
            for fc in self.fcs:
                nn.init.zeros_(fc.bias)

    def forward(
        self, stage_feats: Sequence[torch.Tensor], detach: Union[bool, Sequence[bool]] = False
    ) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """Run every branch on its tap.

        Args:
            stage_feats: the outputs of *all* backbone stages.
            detach: stop gradients into the backbone (one flag, or one per branch).

        Returns:
            (feature maps before pooling, logits) per branch; logits are empty without classifiers.
        """
        flags = [detach] * len(self.taps) if isinstance(detach, bool) else list(detach)
        if len(flags) != len(self.taps):
            raise ValueError(f'{len(flags)} detach flags for {len(self.taps)} branches')
        feats, logits = [], []
        for i, (tap, body) in enumerate(zip(self.taps, self.bodies)):
            x = stage_feats[tap].detach() if flags[i] else stage_feats[tap]
            f = body(x)
            feats.append(f)
            if self.fcs is not None:
                logits.append(self.fcs[i](self.pool(f).flatten(1)))
        return feats, logits
