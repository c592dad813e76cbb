"""Export a distilled student (or any mmpretrain classifier) for mmpretrain / mmdet / mmseg.

The output holds only tensors and plain python, so it loads with ``torch.load(OUT, weights_only=True)``
and in mmdet / mmseg through ``init_cfg=dict(type='Pretrained', checkpoint=OUT, prefix='backbone.')``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmkd  # noqa: E402,F401
from mmkd.apis import export_student  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Export the student of a distillation checkpoint')
    parser.add_argument('checkpoint', help='checkpoint written by tools/train.py')
    parser.add_argument('out', help='output file (.pth)')
    parser.add_argument('--peer', type=int, default=None, help='online methods: which peer to export (default 0)')
    parser.add_argument('--backbone-only', action='store_true', help='export backbone.* keys only')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        meta = export_student(args.checkpoint, args.out, args.peer, args.backbone_only)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f'export_student: {e}')
    print(f'exported {meta["num_tensors"]} tensors ({meta["num_params"] / 1e6:.2f}M params, '
          f'prefix {meta["prefix"]!r}) from {args.checkpoint} to {args.out}')


if __name__ == '__main__':
    main()
