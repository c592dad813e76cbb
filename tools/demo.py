"""The main job: the whole distillation story on real Fashion-MNIST, on a CPU, in minutes.

1. a teacher (ResNet-18, width 1/2) is trained;
2. the student (ResNet-18, width 1/4) is trained alone, with Hinton KD, with HSSAKD (its teacher
   stage first) and with the other selected methods — same data, schedule and seed;
3. every student is evaluated on the 10k test split; a results table, accuracy curves and a bar
   plot are written to ``<work-dir>/results.md``, ``curves.png`` and ``accuracy.png``;
4. the best student is exported and fine-tuned as the backbone of Faster R-CNN on a *composed*
   detection set (Fashion-MNIST test objects pasted on canvases); its mAP joins the table.

A rerun reuses every stage whose configuration is unchanged (``--force`` retrains).
Run it with ``make demo`` (installs first) or ``.venv/bin/python tools/demo.py [options]``.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
DATA_ROOT = '/usr/share/datasets/fashion-mnist'
CFG = osp.join(REPO, 'configs', 'demo')
DET_CONFIG = osp.join(REPO, 'configs', 'transfer', 'mmdet', 'faster-rcnn_r18-w16_fpn_fmnist-composed.py')

# stage name -> (config, {model key: stage whose last checkpoint it needs}, is a student row)
STAGES = {
    'teacher': ('teacher_resnet18-w32_fashion-mnist.py', {}, False),
    'baseline': ('baseline_resnet18-w16_fashion-mnist.py', {}, True),
    'kd': ('kd_resnet18-w32_resnet18-w16_fashion-mnist.py', {'teacher_ckpt': 'teacher'}, True),
    'dml': ('dml_resnet18-w32_resnet18-w16_fashion-mnist.py', {}, True),
    'hssakd-teacher': ('hssakd-teacher_resnet18-w32_fashion-mnist.py', {'classifier_ckpt': 'teacher'}, False),
    'hssakd': ('hssakd_resnet18-w32_resnet18-w16_fashion-mnist.py', {'teacher_ckpt': 'hssakd-teacher'}, True),
    'mixskd': ('mixskd_resnet18-w16_fashion-mnist.py', {}, True),
}
METHOD_LABELS = dict(teacher='Teacher (ResNet-18 w1/2)', baseline='Student alone', kd='Hinton KD',
                     dml='DML', hssakd='HSSAKD', mixskd='MixSKD')
SHOWN = ('Epoch(train)', 'Epoch(val)', 'Iter(train)', 'Iter(val)', 'Iter(test)', 'Teacher top-1', 'ERROR',
         'Error', 'bbox_mAP')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs', 'demo'))
    parser.add_argument('--data-root', default=DATA_ROOT, help='directory with the Fashion-MNIST IDX files')
    parser.add_argument('--methods', nargs='+', default=['baseline', 'kd', 'hssakd', 'mixskd'],
                        choices=[k for k, v in STAGES.items() if v[2]], help='student methods to compare')
    parser.add_argument('--epochs', type=int, default=3, help='epochs of every classification stage')
    parser.add_argument('--num-train', type=int, default=3000, help='training images (first N of 60k; 0 = all)')
    parser.add_argument('--num-test', type=int, default=0, help='test images (first N of 10k; 0 = all)')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--workers', type=int, default=2, help='data loader workers per stage')
    parser.add_argument('--det-iters', type=int, default=200, help='Faster R-CNN iterations (0 skips detection)')
    parser.add_argument('--det-images', type=int, nargs=2, default=[400, 150], metavar=('TRAIN', 'VAL'),
                        help='composed detection canvases')
    parser.add_argument('--force', action='store_true', help='retrain every stage')
    return parser.parse_args()


class Stage:
    """One tools/train.py run with its own work dir, config and DONE record."""

    def __init__(self, args, name: str):
        self.args, self.name = args, name
        self.work = osp.join(args.work_dir, name)
        self.config = osp.join(self.work, f'{name}.py')
        self.done = osp.join(self.work, 'DONE.json')

    def config_text(self, ckpts: dict) -> str:
        a = self.args
        n_train = a.num_train or None
        n_test = a.num_test or None
        persistent = a.workers > 0
        model = ''.join(f'\nmodel = dict({k}={v!r})' for k, v in ckpts.items())
        # one schedule for every method: a 1-epoch linear warm-up (self-KD collapses without one,
        # MixSKD's gotcha 13), then cosine to 0, both stepped per iteration
        cosine = (f", dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end={a.epochs}, T_max={a.epochs - 1}, "
                  "eta_min=0.0, convert_to_iter_based=True)") if a.epochs > 1 else ''
        return f'''_base_ = [{osp.join(CFG, STAGES[self.name][0])!r}]
train_dataloader = dict(batch_size={a.batch_size}, num_workers={a.workers}, persistent_workers={persistent},
                        dataset=dict(data_root={a.data_root!r}, num_samples={n_train}))
val_dataloader = dict(batch_size=256, num_workers={a.workers}, persistent_workers={persistent},
                      dataset=dict(data_root={a.data_root!r}, num_samples={n_test}))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={a.epochs})
param_scheduler = [dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
                        convert_to_iter_based=True){cosine}]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=1, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)
work_dir = {self.work!r}{model}
'''

    def record(self):
        if osp.isfile(self.done):
            with open(self.done) as f:
                return json.load(f)
        return None

    def run(self, ckpts: dict, index: int, total: int) -> dict:
        text = self.config_text(ckpts)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        rec = self.record()
        if rec and rec.get('config_sha') == digest and not self.args.force:
            print(f'[demo {index}/{total}] {self.name}: reusing the finished run in {self.work}', flush=True)
            return rec
        os.makedirs(self.work, exist_ok=True)
        if osp.exists(self.done):
            os.remove(self.done)
        with open(self.config, 'w') as f:
            f.write(text)
        print(f'[demo {index}/{total}] {self.name}: training ({self.args.epochs} epochs) -> {self.work}', flush=True)
        start = time.time()
        run_logged([sys.executable, osp.join(REPO, 'tools', 'train.py'), self.config],
                   osp.join(self.work, 'train.log'))
        with open(osp.join(self.work, 'last_checkpoint')) as f:
            ckpt = f.read().strip()
        rec = dict(config_sha=digest, checkpoint=ckpt, seconds=round(time.time() - start, 1),
                   finished=time.strftime('%Y-%m-%d %H:%M:%S'))
        tmp = self.done + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(rec, f)
        os.replace(tmp, self.done)
        return rec


def run_logged(cmd, log_path: str) -> None:
    """Run ``cmd``, keep its whole output in ``log_path``, show only progress lines (with ETA)."""
    with open(log_path, 'w', buffering=1) as log:  # line-buffered: `tail -f` works
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=dict(os.environ, PYTHONUNBUFFERED='1'))
        for line in proc.stdout:
            log.write(line)
            if any(key in line for key in SHOWN):
                print('    ' + line.rstrip()[-160:], flush=True)
        proc.wait()
    if proc.returncode != 0:
        with open(log_path) as f:
            tail = f.readlines()[-40:]
        sys.exit(f'demo: `{" ".join(cmd)}` failed (exit {proc.returncode}); last lines of {log_path}:\n'
                 + ''.join(tail))


def plan(methods):
    """The stages to run, dependencies first."""
    order = ['teacher'] if any(m in ('kd', 'hssakd') for m in methods) else []
    for m in methods:
        if m == 'hssakd':
            order.append('hssakd-teacher')
        order.append(m)
    return order


def compose_detection(args) -> str:
    from mmkd.datasets import FashionMNISTIDX, compose_detection_split, read_idx
    root = osp.join(args.work_dir, 'fmnist_det')
    n_train, n_val = args.det_images
    stamp = osp.join(root, f'DONE_{n_train}_{n_val}')
    if osp.isfile(stamp):
        return root
    imgs = read_idx(osp.join(args.data_root, 't10k-images-idx3-ubyte.gz'))
    labels = read_idx(osp.join(args.data_root, 't10k-labels-idx1-ubyte.gz'))
    classes = FashionMNISTIDX.METAINFO['classes']
    # disjoint object pools: detection-train objects from the first half of the test images, val from the rest
    half = len(imgs) // 2
    compose_detection_split(imgs[:half], labels[:half], classes, root, 'train', n_train, seed=0)
    compose_detection_split(imgs[half:], labels[half:], classes, root, 'val', n_val, seed=1)
    open(stamp, 'w').close()
    return root


def detection(args, student_ckpt: str, index: int, total: int):
    root = compose_detection(args) + '/'
    work = osp.join(args.work_dir, 'detection')
    os.makedirs(work, exist_ok=True)
    exported = osp.join(args.work_dir, 'student.pth')
    run_logged([sys.executable, osp.join(REPO, 'tools', 'export_student.py'), student_ckpt, exported],
               osp.join(work, 'export.log'))
    ann = root + 'annotations/instances_val.json'
    options = [f'data_root={root}', f'train_dataloader.dataset.data_root={root}',
               f'val_dataloader.dataset.data_root={root}', f'test_dataloader.dataset.data_root={root}',
               f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}',
               f'model.backbone.init_cfg.checkpoint={exported}', f'train_cfg.max_iters={args.det_iters}',
               f'train_cfg.val_interval={args.det_iters}',
               f'param_scheduler.1.end={args.det_iters}',
               f'param_scheduler.1.milestones=[{int(args.det_iters * 0.8)}]',
               f'default_hooks.checkpoint.interval={args.det_iters}']
    print(f'[demo {index}/{total}] detection: Faster R-CNN with the exported student, {args.det_iters} iterations '
          f'on {args.det_images[0]} composed canvases', flush=True)
    start = time.time()
    run_logged([sys.executable, osp.join(REPO, 'tools', 'train.py'), DET_CONFIG, '--work-dir', work,
                '--cfg-options', *options], osp.join(work, 'train.log'))
    with open(osp.join(work, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    metrics_file = osp.join(work, 'metrics.json')
    run_logged([sys.executable, osp.join(REPO, 'tools', 'test.py'), DET_CONFIG, ckpt, '--work-dir', work,
                '--out', metrics_file, '--cfg-options', *options], osp.join(work, 'test.log'))
    with open(metrics_file) as f:
        metrics = json.load(f)
    metrics['seconds'] = round(time.time() - start, 1)
    return metrics


def main():
    args = parse_args()
    if not osp.isfile(osp.join(args.data_root, 'train-images-idx3-ubyte.gz')) and \
            not osp.isfile(osp.join(args.data_root, 'train-images-idx3-ubyte')):
        sys.exit(f'demo: Fashion-MNIST not found in {args.data_root}; install the Debian package '
                 'dataset-fashion-mnist (make install does it when it can) or pass --data-root')
    missing = [m for m in args.methods if not osp.isfile(osp.join(CFG, STAGES[m][0]))]
    if missing:
        sys.exit(f'demo: no demo config for {missing} in configs/demo/')
    os.makedirs(args.work_dir, exist_ok=True)
    start = time.time()
    order = plan(args.methods)
    total = len(order) + (1 if args.det_iters > 0 else 0)
    records = {}
    for i, name in enumerate(order, 1):
        ckpts = {key: records[dep]['checkpoint'] for key, dep in STAGES[name][1].items()}
        records[name] = Stage(args, name).run(ckpts, i, total)

    from mmkd.utils.logs import final_metrics
    rows = []
    for name in order:
        if name == 'hssakd-teacher':
            continue
        m = final_metrics(osp.join(args.work_dir, name), ['accuracy/top1']).get('accuracy/top1')
        rows.append(dict(stage=name, method=METHOD_LABELS.get(name, name), student=STAGES[name][2],
                         last=m['last'], best=m['best'], best_epoch=m['best_step'],
                         minutes=records[name]['seconds'] / 60, checkpoint=records[name]['checkpoint']))
    students = [r for r in rows if r['student']]
    best = max(students, key=lambda r: r['last'])
    det = detection(args, best['checkpoint'], total, total) if args.det_iters > 0 else None
    report(args, rows, best, det, order, time.time() - start)


def report(args, rows, best, det, order, seconds):
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
    from plot_curves import plot_curves
    curves = osp.join(args.work_dir, 'curves.png')
    runs = [osp.join(args.work_dir, r['stage']) for r in rows]
    plot_curves(runs, ['accuracy/top1', 'loss'], curves, names=[r['method'] for r in rows],
                title='Fashion-MNIST test top-1 per epoch, and training loss')
    bars = osp.join(args.work_dir, 'accuracy.png')
    plot_bars(rows, bars)
    baseline = next((r['last'] for r in rows if r['stage'] == 'baseline'), None)
    lines = [
        '# mmkd demo results (Fashion-MNIST)', '',
        f'Command: `python tools/demo.py --epochs {args.epochs} --num-train {args.num_train} '
        f'--num-test {args.num_test} --methods {" ".join(args.methods)} --det-iters {args.det_iters}`  ',
        f'Finished: {time.strftime("%Y-%m-%d %H:%M")}, machine: {platform.machine()}, {os.cpu_count()} CPU cores, '
        f'torch threads per run as set by OMP_NUM_THREADS ({os.environ.get("OMP_NUM_THREADS", "default")}); '
        f'total wall time {seconds / 60:.1f} min (reused stages count 0).', '',
        f'Training images: {args.num_train or 60000} of 60,000; test images: {args.num_test or 10000} of 10,000; '
        f'{args.epochs} epochs, batch {args.batch_size}, SGD (lr 0.05) with a 1-epoch warm-up then cosine, seed 0 for every run.', '',
        '| method | network | top-1 last epoch (%) | vs. student alone | top-1 best epoch (%) | train time (min) |',
        '|---|---|---|---|---|---|',
    ]
    for r in rows:
        net = 'ResNet-18 w1/2 (2.8M)' if r['stage'] == 'teacher' else 'ResNet-18 w1/4 (0.7M)'
        delta = f'{r["last"] - baseline:+.2f}' if (baseline is not None and r['student']) else ''
        lines.append(f'| {r["method"]} | {net} | {r["last"]:.2f} | {delta} | {r["best"]:.2f} (epoch {r["best_epoch"]}) '
                     f'| {r["minutes"]:.1f} |')
    lines += ['', f'Best student (by last-epoch accuracy): **{best["method"]}**, exported to '
              f'`{osp.relpath(osp.join(args.work_dir, "student.pth"), REPO)}`.', '']
    if det:
        lines += ['Detection transfer (Faster R-CNN, FPN, the exported student as backbone, '
                  f'{args.det_iters} iterations, {args.det_images[0]} train / {args.det_images[1]} val canvases '
                  'composed from Fashion-MNIST test objects):', '',
                  '| bbox mAP | mAP@0.5 | mAP@0.75 | time (min) |', '|---|---|---|---|',
                  f'| {100 * det.get("coco/bbox_mAP", float("nan")):.1f} | {100 * det.get("coco/bbox_mAP_50", float("nan")):.1f} '
                  f'| {100 * det.get("coco/bbox_mAP_75", float("nan")):.1f} | {det["seconds"] / 60:.1f} |', '']
    lines += ['What a run this small can and cannot show: one seed, a few epochs on a subset, and a test split '
              'that is also the validation split. Differences of a few tenths of a point are within seed noise; '
              'the "best epoch" column is selected on the test split and is optimistic. The detection set is '
              'composed, so its mAP only shows that the transfer path works end to end.', '',
              '![accuracy curves](curves.png)', '', '![final accuracy](accuracy.png)', '']
    out = osp.join(args.work_dir, 'results.md')
    with open(out, 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines[:len(lines)]))
    print(f'\nwrote {out}, {curves}, {bars}')


def plot_bars(rows, out):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(1.6 * len(rows) + 2, 4))
    values = [r['last'] for r in rows]
    colors = ['#888888' if not r['student'] else '#3b75af' for r in rows]
    ax.bar([r['method'] for r in rows], values, color=colors)
    low = min(values)
    ax.set_ylim(max(0, low - 3), min(100, max(values) + 1.5))
    for i, v in enumerate(values):
        ax.text(i, v + 0.1, f'{v:.2f}', ha='center', fontsize=9)
    ax.set_ylabel('test top-1 (%) after the last epoch')
    ax.set_title('Fashion-MNIST: teacher (grey) and the student trained each way')
    plt.xticks(rotation=15)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


if __name__ == '__main__':
    main()
