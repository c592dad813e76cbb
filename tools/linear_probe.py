"""Linear probe: freeze a backbone, fit a linear classifier on true labels, report top-1.

    python tools/linear_probe.py CONFIG CKPT [--train-split train] [--test-split test]
        [--epochs 100] [--lr 0.1] [--weight-decay 0] [--backbone-only] [--out RESULT.json]
        [--device cuda|cpu|cuda:N] [--progress auto|bar|lines|off]

Works for the SSSD stage-1 (MoCo) and stage-3 checkpoints, exported students, and any
classifier config. Features are the globally pooled outputs of the frozen network on the
config's test pipeline, standardised with the training set's statistics. For an SSSD stage-3
checkpoint every exit is probed (``exit1..exitL``, deepest last) and ``ensemble`` averages the
probes' softmax (the paper's "Ensemble", our reading of its evaluation); ``--backbone-only``
probes the last stage alone, as for any other model. True labels are used here and only here.
``--device`` is where the network embeds and where the probe trains (features and linear layer);
the probe's initialisation and shuffling are drawn on the CPU, so a CPU run is the same whatever
the machine has.
"""

import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from mmkd.apis.features import build_eval_dataset, extract_features, load_feature_model  # noqa: E402
from mmkd.apis.runner import load_config  # noqa: E402
from mmkd.utils.progress import ProgressReporter, add_progress_argument  # noqa: E402


def resolve_device(device) -> torch.device:
    """``--device`` as a ``torch.device``; a clear ``ValueError`` naming the option when it cannot be used."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(
            f'--device {device!r} is not a device torch knows ({e}); pass e.g. --device cpu or --device cuda'
        ) from None
    if dev.type == 'cuda':
        if not torch.cuda.is_available():
            raise ValueError(
                f'--device {device}: no CUDA GPU is available here (torch.cuda.is_available() '
                'is False); pass --device cpu'
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f'--device {device}: only {torch.cuda.device_count()} CUDA device(s) here; '
                f'pass --device cuda:0 .. cuda:{torch.cuda.device_count() - 1} or --device cpu'
            )
    elif dev.type != 'cpu':
        raise ValueError(f'--device {device}: the linear probe runs on cpu or cuda only')
    return dev


def standardize(train: np.ndarray, test: np.ndarray):
    mean, std = train.mean(0, keepdims=True), train.std(0, keepdims=True) + 1e-6
    return (train - mean) / std, (test - mean) / std


def train_linear_probe(
    x: np.ndarray,
    y: np.ndarray,
    num_classes: int,
    epochs: int = 100,
    lr: float = 0.1,
    weight_decay: float = 0.0,
    batch_size: int = 256,
    seed: int = 0,
    device='cpu',
    progress=True,
    desc: str = 'linear probe',
) -> nn.Linear:
    """Fit ``nn.Linear`` with SGD (momentum 0.9, cosine decay) and cross-entropy on fixed features.

    The features, labels and layer live on ``device``; the initial weights and the batch order are
    drawn from a CPU generator seeded with ``seed``, so they do not depend on the device.
    ``progress`` (see :mod:`mmkd.utils.progress`) counts the epochs.
    """
    if len(x) == 0:
        raise ValueError('no training features for the linear probe')
    device = torch.device(device)
    g = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(x, dtype=torch.float32).to(device)
    y = torch.as_tensor(y, dtype=torch.long).to(device)
    probe = nn.Linear(x.shape[1], num_classes)
    with torch.no_grad():
        probe.weight.normal_(0, 0.01, generator=g)
        probe.bias.zero_()
    probe.to(device)
    optim = torch.optim.SGD(probe.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    steps = epochs * ((len(x) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, T_max=max(steps, 1))
    with ProgressReporter(epochs, desc, 'epoch', progress) as bar:
        for _ in range(epochs):
            for idx in torch.randperm(len(x), generator=g).split(batch_size):
                idx = idx.to(device)
                loss = F.cross_entropy(probe(x[idx]), y[idx])
                optim.zero_grad()
                loss.backward()
                optim.step()
                sched.step()
            bar.update()
    return probe


@torch.no_grad()
def probe_probabilities(probe: nn.Linear, x: np.ndarray) -> torch.Tensor:
    """Softmax of ``probe`` on ``x`` (computed on the probe's device), returned on the CPU."""
    device = probe.weight.device
    return F.softmax(probe(torch.as_tensor(x, dtype=torch.float32).to(device)), dim=1).cpu()


def linear_probe(args) -> dict:
    """Embed both splits and probe them on ``args.device``; returns {probe name: top-1 %}."""
    from mmkd.utils import register_all_modules

    device = resolve_device(args.device)
    progress = getattr(args, 'progress', True)
    print(f'linear probe: embedding and probe training on {device}', flush=True)
    register_all_modules(init_default_scope=True)
    cfg = load_config(args.config, args.cfg_options)
    model, exits_loaded = load_feature_model(cfg, args.checkpoint, device, with_exits=not args.backbone_only)
    exits = exits_loaded and not args.backbone_only
    train_set = build_eval_dataset(cfg, args.train_split)
    test_set = build_eval_dataset(cfg, args.test_split)
    train_feats, train_y = extract_features(
        model,
        train_set,
        args.batch_size,
        args.num_workers,
        device,
        exits=exits,
        desc=f'embed {args.train_split}',
        progress=progress,
    )
    test_feats, test_y = extract_features(
        model,
        test_set,
        args.batch_size,
        args.num_workers,
        device,
        exits=exits,
        desc=f'embed {args.test_split}',
        progress=progress,
    )
    if train_y is None or test_y is None:
        raise ValueError('the linear probe needs true labels in both the train and the test split')
    num_classes = int(max(train_y.max(), test_y.max())) + 1
    names = [f'exit{i + 1}' for i in range(len(train_feats))] if exits else ['backbone']
    results, probs = {}, []
    for name, tr, te in zip(names, train_feats, test_feats):
        tr, te = standardize(tr, te)
        probe = train_linear_probe(
            tr,
            train_y,
            num_classes,
            args.epochs,
            args.lr,
            args.weight_decay,
            args.probe_batch_size,
            args.seed,
            device=device,
            progress=progress,
            desc=f'probe {name}',
        )
        p = probe_probabilities(probe, te)
        probs.append(p)
        results[name] = float((p.argmax(1).numpy() == test_y).mean() * 100)
    if len(probs) > 1:
        results['ensemble'] = float((torch.stack(probs).mean(0).argmax(1).numpy() == test_y).mean() * 100)
    return results


def parse_args():
    parser = argparse.ArgumentParser(description='Linear probe of a frozen backbone (top-1 on true labels)')
    parser.add_argument('config', help='config of the model (MoCo, SSSD, classifier, distiller)')
    parser.add_argument('checkpoint', help='its checkpoint (training or exported)')
    parser.add_argument('--train-split', default='train', choices=['train', 'val', 'test'])
    parser.add_argument('--test-split', default='test', choices=['train', 'val', 'test'])
    parser.add_argument('--epochs', type=int, default=100, help='probe epochs over the cached features')
    parser.add_argument('--lr', type=float, default=0.1, help='SGD learning rate (cosine decay)')
    parser.add_argument('--weight-decay', type=float, default=0.0)
    parser.add_argument('--probe-batch-size', type=int, default=256)
    parser.add_argument('--batch-size', type=int, default=256, help='feature extraction batch size')
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--backbone-only', action='store_true', help='probe the last stage only, even for SSSD')
    parser.add_argument('--out', help='write the results to this JSON file')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='where the network embeds and the probe trains (default: cuda when there is one)',
    )
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override settings in the config')
    add_progress_argument(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        results = linear_probe(args)
    except (ValueError, FileNotFoundError, TypeError) as e:
        sys.exit(f'linear_probe: {e}')
    for name, acc in results.items():
        print(f'linear probe top-1 {name}: {acc:.2f}%')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
