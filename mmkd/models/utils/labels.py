from typing import List

import torch


def gt_labels(data_samples: List, device=None, what: str = 'a distillation loss') -> torch.Tensor:
    """Stack the ``gt_label`` of mmpretrain ``DataSample``s into a (N,) long tensor.

    Args:
        data_samples (list[DataSample]): the batch's samples.
        device (torch.device, optional): where the labels go.
        what (str): who needs them, for the error without labels.
    """
    if not data_samples or 'gt_label' not in data_samples[0]:
        raise ValueError(f'{what} needs data samples with gt_label')
    return torch.cat([ds.gt_label for ds in data_samples]).to(device=device, dtype=torch.long)
