"""Export one network of a CSS checkpoint.

A CSS network keeps its m branches at inference, so there are two exports:

* ``--mode full`` (default): the whole network (trunk, every branch, joint classifiers) and its
  config; ``mmkd.models.classifiers.load_css_network(OUT)`` rebuilds a model that predicts exactly
  like the trained one.
* ``--mode transfer``: the trunk + the first branch's copy of the last stage as ``backbone.*`` under
  the plain backbone's own key names, for mmpretrain / mmdet / mmseg
  (``init_cfg=dict(type='Pretrained', checkpoint=OUT, prefix='backbone.')``).

Both files hold only tensors and plain python, so they load with ``torch.load(OUT, weights_only=True)``.
The network defaults to the one the method evaluates (``eval_mode``); the checkpoint's stored config is
read as data, never executed. An existing OUT is replaced only with ``--force``.
"""

import argparse
import os.path as osp
import pickle
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))

import mmkd  # noqa: E402,F401
from mmkd.utils import register_all_modules  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Export one network of a CSS checkpoint')
    parser.add_argument('checkpoint', help='checkpoint written by tools/train.py with a CSS config')
    parser.add_argument('out', help='output file (.pth)')
    parser.add_argument(
        '--net', type=int, choices=(1, 2), default=None, help='which network (default: the one eval_mode evaluates)'
    )
    parser.add_argument(
        '--mode',
        choices=('full', 'transfer'),
        default='full',
        help='full: every branch, same predictions; transfer: trunk + first branch as a plain backbone checkpoint',
    )
    parser.add_argument(
        '--config',
        default=None,
        help='training config (default: the model config the checkpoint carries, read as data)',
    )
    parser.add_argument('--force', action='store_true', help='replace OUT if it exists')
    return parser.parse_args()


def main():
    args = parse_args()
    register_all_modules(init_default_scope=True)
    from mmkd.models.distillers.css import export_css

    try:
        meta = export_css(args.checkpoint, args.out, net=args.net, mode=args.mode, config=args.config, force=args.force)
    except (ValueError, OSError, TypeError, pickle.UnpicklingError) as e:
        sys.exit(f'export_css: {e}')
    print(
        f'exported net{meta["net"]} ({meta["net_choice"]}, {args.mode}): {meta["num_tensors"]} tensors, '
        f'{meta["num_params"] / 1e6:.2f}M params, from {args.checkpoint} to {args.out}'
    )


if __name__ == '__main__':
    main()
