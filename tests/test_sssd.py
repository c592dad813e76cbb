"""SSSD: MoCo v2 from lightly's blocks, k-means pseudo-labels, BYOT self-distillation, the chain."""

import json
import math
import os.path as osp
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO, gaussian_clusters, make_fashion_like, probe_args, run_tool, tool_args
from mmpretrain.structures import DataSample

import mmkd.datasets.pseudo_label_dataset  # noqa: F401  (registers PseudoLabelDataset)
import mmkd.engine.hooks.moco_momentum  # noqa: F401
import mmkd.models.distillers.sssd  # noqa: F401
import mmkd.models.selfsup  # noqa: F401
from mmkd.apis.export import export_student
from mmkd.apis.features import extract_features, l2_normalize
from mmkd.apis.kmeans import cluster_report, run_kmeans
from mmkd.datasets.pseudo_label_dataset import (
    PseudoLabelDataset,
    cluster_majority_accuracy,
    cluster_purity,
    load_pseudo_labels,
    majority_mapping,
    write_pseudo_labels,
)
from mmkd.engine.hooks.moco_momentum import MoCoMomentumHook
from mmkd.evaluation import ExitAccuracy
from mmkd.models.distillers.sssd import SSSDDistiller
from mmkd.models.selfsup import LightlyMoCo
from mmkd.registry import MODELS

sys.path.insert(0, osp.join(REPO, 'tools'))
import kmeans_pseudo_labels as kmeans_tool  # noqa: E402
import linear_probe as probe_tool  # noqa: E402

SMALL_RESNET = dict(type='ResNet_CIFAR', depth=18, base_channels=8, stem_channels=8, zero_init_residual=False)


def small_moco(queue_size=8, **kwargs):
    model = LightlyMoCo(
        backbone=SMALL_RESNET,
        projection=dict(hidden_dim=32, output_dim=16),
        queue_size=queue_size,
        temperature=0.2,
        **kwargs,
    )
    model.init_weights()
    return model


def small_sssd(num_classes=7, backbone=SMALL_RESNET, in_channels=64, **kwargs):
    student = dict(
        type='ImageClassifier',
        backbone=backbone,
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead', num_classes=num_classes, in_channels=in_channels, loss=dict(type='CrossEntropyLoss')
        ),
    )
    model = SSSDDistiller(student=student, **kwargs)
    model.init_weights()
    return model


def views(n=4, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 3, size, size, generator=g), torch.randn(n, 3, size, size, generator=g)]


def samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def info_nce(q, k, negatives, t):
    """InfoNCE written out: -log(exp(q.k/t) / (exp(q.k/t) + sum_j exp(q.n_j/t))), mean over rows."""
    q, k, negatives = F.normalize(q, dim=1), F.normalize(k, dim=1), F.normalize(negatives, dim=1)
    pos = (q * k).sum(1) / t
    neg = q @ negatives.T / t
    return (torch.logsumexp(torch.cat([pos[:, None], neg], 1), 1) - pos).mean()


# --------------------------------------------------------------------------- stage 1: MoCo
def test_ntxent_with_memory_bank_matches_infonce():
    from lightly.loss import NTXentLoss

    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(5, 6, generator=g), torch.randn(5, 6, generator=g)
    bank = F.normalize(torch.randn(11, 6, generator=g), dim=1)
    loss_fn = NTXentLoss(temperature=0.2, memory_bank_size=(11, 6))
    loss_fn.memory_bank.bank.copy_(bank)
    assert loss_fn(q, k).item() == pytest.approx(info_nce(q, k, bank, 0.2).item(), rel=1e-5)


def test_momentum_copies_start_equal_and_follow_the_ema_formula():
    model = small_moco()
    pairs = list(zip(model.backbone.parameters(), model.backbone_momentum.parameters()))
    assert all(torch.equal(p, pk) for p, pk in pairs)
    assert all(not p.requires_grad for p in model.backbone_momentum.parameters())
    assert all(not p.requires_grad for p in model.projection_head_momentum.parameters())
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p))
    before = [pk.clone() for pk in model.projection_head_momentum.parameters()]
    query = [p.clone() for p in model.projection_head.parameters()]
    model.momentum_update(0.9)
    for old, q, new in zip(before, query, model.projection_head_momentum.parameters()):
        assert torch.allclose(new, 0.9 * old + 0.1 * q)
    # the optimizer never sees the momentum encoder
    from mmengine.optim import build_optim_wrapper

    wrapper = build_optim_wrapper(
        model, dict(optimizer=dict(type='SGD', lr=0.1), constructor='DistillOptimWrapperConstructor')
    )
    optimized = {id(p) for group in wrapper.optimizer.param_groups for p in group['params']}
    assert not optimized & {id(p) for p in model.backbone_momentum.parameters()}
    assert {id(p) for p in model.backbone.parameters()} <= optimized


def test_queue_holds_the_latest_keys_and_wraps():
    torch.manual_seed(0)
    model = small_moco(queue_size=8, shuffle_bn=False).train()
    x = views(4)
    with torch.no_grad():
        expected = F.normalize(model.embed(x[1], momentum=True), dim=1)
    initial = model.queue.clone()
    model(x, mode='loss')
    assert torch.allclose(model.queue[:4], expected, atol=1e-6)
    assert torch.equal(model.queue[4:], initial[4:])
    assert int(model.criterion.memory_bank.bank_ptr) == 4
    model(views(4, seed=1), mode='loss')
    assert int(model.criterion.memory_bank.bank_ptr) == 0  # full: the pointer wraps
    with torch.no_grad():  # a loss without gradients (e.g. an evaluation pass) leaves the queue alone
        frozen = model.queue.clone()
        model(views(4, seed=2), mode='loss')
    assert torch.equal(model.queue, frozen)
    state = model.state_dict()  # the queue is checkpointed, so --resume restores it
    assert torch.equal(state['criterion.memory_bank.bank'], model.queue)


def test_moco_loss_matches_mmpretrain_moco_over_two_steps():
    """Same weights, same queue, same views: lightly-built MoCo == mmpretrain's MoCo (loss and queue)."""
    from mmpretrain.models.selfsup import MoCo

    torch.manual_seed(0)
    ref = MoCo(
        backbone=SMALL_RESNET,
        neck=dict(type='MoCoV2Neck', in_channels=64, hid_channels=32, out_channels=16),
        head=dict(type='ContrastiveHead', loss=dict(type='CrossEntropyLoss'), temperature=0.2),
        queue_len=8,
        feat_dim=16,
        momentum=0.01,
    )
    ours = small_moco(queue_size=8)
    ours.backbone.load_state_dict(ref.backbone.state_dict())
    ours.projection_head.layers[0].load_state_dict(ref.neck.mlp[0].state_dict())
    ours.projection_head.layers[2].load_state_dict(ref.neck.mlp[2].state_dict())
    ours.backbone_momentum.load_state_dict(ours.backbone.state_dict())
    ours.projection_head_momentum.load_state_dict(ours.projection_head.state_dict())
    ours.queue.copy_(ref.queue.T)
    ref.train(), ours.train()
    opt_ref = torch.optim.SGD([p for p in ref.parameters() if p.requires_grad], lr=0.5)
    opt_ours = torch.optim.SGD([p for p in ours.parameters() if p.requires_grad], lr=0.5)
    for step in range(2):
        x = views(4, seed=step)
        loss_ref = ref.loss([v.clone() for v in x], samples(range(4)))['loss']
        loss_ours = ours(x, mode='loss')['loss']
        assert loss_ours.item() == pytest.approx(loss_ref.item(), rel=1e-4), step
        assert torch.allclose(ours.queue, ref.queue.T, atol=1e-5), step
        for opt, loss in ((opt_ref, loss_ref), (opt_ours, loss_ours)):
            opt.zero_grad()
            loss.backward()
            opt.step()
        ours.momentum_update(1 - 0.01)  # mmpretrain's EMA momentum 0.01 == lightly's m = 0.99


def test_moco_input_errors_and_export(tmp_path):
    model = small_moco()
    with pytest.raises(ValueError, match=r'inputs=\[view0, view1\].*Tensor'):
        model(torch.randn(2, 3, 16, 16), mode='loss')
    with pytest.raises(ValueError, match='3 views'):
        model(views(2) + [torch.randn(2, 3, 16, 16)], mode='loss')
    with pytest.raises(RuntimeError, match='no classifier'):
        model(torch.randn(2, 3, 16, 16), mode='predict')
    assert model(views(2), mode='tensor')[-1].shape == (2, 64, 2, 2)
    ckpt = osp.join(str(tmp_path), 'moco.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    export_student(ckpt, osp.join(str(tmp_path), 'out.pth'))
    exported = torch.load(osp.join(str(tmp_path), 'out.pth'), weights_only=True)['state_dict']
    assert set(exported) == {f'backbone.{k}' for k in model.backbone.state_dict()}
    assert all(torch.equal(exported[f'backbone.{k}'], v) for k, v in model.backbone.state_dict().items())


def test_momentum_hook_cosine_schedule_and_ddp_unwrap(tmp_path):
    import torch.distributed as dist
    from mmengine.logging import MessageHub
    from mmengine.model import MMDistributedDataParallel

    model = small_moco(momentum=0.9)
    calls = []
    model.momentum_update = calls.append
    hub = MessageHub.get_instance('sssd_hook_test')
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/pg', rank=0, world_size=1)
    try:
        wrapped = MMDistributedDataParallel(module=model)
        hook = MoCoMomentumHook(end_momentum=1.0)
        runner = SimpleNamespace(model=wrapped, iter=0, max_iters=5, message_hub=hub)
        hook.before_train(runner)
        for it in range(5):
            runner.iter = it
            hook.after_train_iter(runner, it)
        # under DDP the loss step also runs the distributed paths (key shuffle, gathered enqueue)
        model.momentum_update = LightlyMoCo.momentum_update.__get__(model)
        loss = wrapped(views(4), mode='loss')['loss']
        assert torch.isfinite(loss) and int(model.criterion.memory_bank.bank_ptr) == 4
    finally:
        dist.destroy_process_group()
    expected = [1.0 - 0.1 * (math.cos(math.pi * t / 4) + 1) / 2 for t in range(5)]
    assert calls == pytest.approx(expected)
    assert calls[0] == pytest.approx(0.9) and calls[-1] == pytest.approx(1.0)
    assert hub.get_scalar('train/momentum').current() == pytest.approx(1.0)
    with pytest.raises(TypeError, match='momentum_update'):
        hook.before_train(SimpleNamespace(model=torch.nn.Linear(1, 1)))
    with pytest.raises(ValueError, match='end_momentum'):
        MoCoMomentumHook(end_momentum=1.5)


# --------------------------------------------------------------------------- stage 2: pseudo-labels
def test_kmeans_recovers_generated_clusters():
    points, truth = gaussian_clusters(6, 600)
    feats = l2_normalize(points)
    _, clusters = run_kmeans(feats, 6, seed=0)
    report = cluster_report(clusters, 6, truth)
    assert report['purity'] > 0.99 and report['nmi'] > 0.99
    assert report['empty_clusters'] == 0 and report['cluster_size_min'] >= 60
    with pytest.raises(ValueError, match='--num-clusters 601 must be between 1 and the 600 samples'):
        run_kmeans(feats, 601)
    with pytest.raises(ValueError, match='feature set is empty'):
        run_kmeans(np.zeros((0, 32)), 3)
    with pytest.raises(ValueError, match='target set is empty'):
        extract_features(small_moco(), [])


def test_cluster_majority_accuracy_and_purity():
    clusters = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    labels = np.array([3, 3, 1, 0, 0, 1, 2, 1])
    mapping = majority_mapping(clusters, labels, 4)
    assert mapping.tolist() == [3, 0, 1, -1]  # cluster 3 is empty
    assert cluster_purity(clusters, labels) == pytest.approx(6 / 8)
    held_out = np.array([0, 1, 2, 3])
    assert cluster_majority_accuracy(held_out, np.array([3, 1, 1, 0]), mapping) == pytest.approx(2 / 4)


def test_pseudo_label_file_and_dataset_round_trip(tmp_path):
    root = make_fashion_like(str(tmp_path / 'data'), num_train=40, num_test=8)
    inner = dict(
        type='FashionMNISTIDX',
        data_root=root,
        split='train',
        pipeline=[dict(type='GrayToRGB'), dict(type='PackInputs')],
    )
    labels = np.random.default_rng(0).integers(0, 5, size=40)
    ann = str(tmp_path / 'pl.json')
    write_pseudo_labels(ann, labels, 5, dict(source='kmeans', cluster_to_class=[0, 1, 2, 3, 4]))
    read, meta = load_pseudo_labels(ann)
    assert read.tolist() == labels.tolist() and meta['num_clusters'] == 5 and meta['source'] == 'kmeans'
    from mmkd.registry import DATASETS

    ds = DATASETS.build(dict(type='PseudoLabelDataset', dataset=inner, ann_file=ann))
    assert isinstance(ds, PseudoLabelDataset) and len(ds) == 40
    assert ds.metainfo['classes'] == ('0', '1', '2', '3', '4')
    true = [ds.dataset.get_data_info(i)['gt_label'] for i in range(40)]
    assert [ds.get_data_info(i)['gt_label'] for i in range(40)] == labels.tolist() != true
    item = ds[3]
    assert int(item['data_samples'].gt_label) == labels[3] and item['inputs'].shape == (3, 28, 28)
    # errors name the file and the fault; a failed write keeps the old file
    with pytest.raises(ValueError, match=r'pl.json holds 40 labels but the dataset has 30'):
        PseudoLabelDataset(dict(inner, num_samples=30), ann)
    with pytest.raises(ValueError, match=r'must lie in \[0, 5\)'):
        write_pseudo_labels(ann, np.array([0, 7]), 5)
    assert load_pseudo_labels(ann)[0].tolist() == labels.tolist()
    with pytest.raises(FileNotFoundError, match='kmeans_pseudo_labels.py'):
        load_pseudo_labels(str(tmp_path / 'missing.json'))
    with open(ann) as f:
        data = json.load(f)
    data['data_list'][0]['sample_idx'] = 5
    with open(ann, 'w') as f:
        json.dump(data, f)
    with pytest.raises(ValueError, match=r'data_list\[0\] has sample_idx 5'):
        load_pseudo_labels(ann)


# --------------------------------------------------------------------------- stage 3: self-distillation
@pytest.mark.parametrize(
    'backbone,size', [(SMALL_RESNET, 16), (dict(type='ResNet', depth=18, base_channels=8, stem_channels=8), 72)]
)
def test_exits_end_at_the_final_feature_shape(backbone, size):
    model = small_sssd(backbone=backbone)
    feats, logits = model.forward_exits(torch.randn(2, 3, size, size))
    assert len(feats) == len(logits) == 4
    assert all(f.shape == feats[-1].shape for f in feats) and all(z.shape == (2, 7) for z in logits)


def test_sd_loss_terms_match_formulas():
    torch.manual_seed(0)
    model = small_sssd(alpha=0.3, feat_weight=0.003, tau=3.0).train()
    x, y = torch.randn(4, 3, 16, 16), torch.tensor([0, 3, 6, 3])
    losses = model(x, samples(y), mode='loss')
    assert set(losses) == {'loss_ce', 'loss_ce_exits', 'loss_kd', 'loss_feat'}
    with torch.no_grad():
        feats, logits = model.forward_exits(x)  # train-mode BN: the same batch gives the same outputs

    def ce(z):
        return (torch.logsumexp(z, 1) - z[torch.arange(4), y]).mean()

    def kd(z, t, tau=3.0):
        p_t = torch.exp(t / tau) / torch.exp(t / tau).sum(1, keepdim=True)
        log_p_s = z / tau - torch.logsumexp(z / tau, 1, keepdim=True)
        return tau**2 * (p_t * (p_t.log() - log_p_s)).sum(1).mean()

    assert losses['loss_ce'].item() == pytest.approx(ce(logits[3]).item(), rel=1e-5)
    assert losses['loss_ce_exits'].item() == pytest.approx(0.7 * sum(ce(z) for z in logits[:3]).item(), rel=1e-5)
    assert losses['loss_kd'].item() == pytest.approx(0.3 * sum(kd(z, logits[3]) for z in logits[:3]).item(), rel=1e-4)
    feat = sum(((f - feats[3]) ** 2).flatten(1).sum(1).mean() for f in feats[:3])
    assert losses['loss_feat'].item() == pytest.approx(0.003 * feat.item(), rel=1e-5)


def test_sd_stop_gradients():
    model = small_sssd().train()
    x, y = torch.randn(4, 3, 16, 16), samples([0, 1, 2, 3])
    layer4, head, exit0 = model.student.backbone.layer4, model.student.head.fc, model.exits[0]

    def grads(term):
        model.zero_grad()
        model(x, y, mode='loss')[term].backward()

        def norm(m):
            return sum(float(p.grad.abs().sum()) for p in m.parameters() if p.grad is not None)

        return norm(layer4), norm(head), norm(exit0), norm(model.student.backbone.layer1)

    l4, h, e, l1 = grads('loss_kd')
    assert l4 == 0 and h == 0 and e > 0 and l1 > 0  # the deepest exit is a detached teacher
    l4, h, e, l1 = grads('loss_feat')
    assert l4 == 0 and e > 0 and l1 > 0  # F_4 is detached
    l4, h, e, l1 = grads('loss_ce')
    assert l4 > 0 and h > 0 and e == 0
    teaching = small_sssd(detach_teacher=False).train()
    teaching.zero_grad()
    teaching(x, y, mode='loss')['loss_kd'].backward()
    assert teaching.student.head.fc.weight.grad.abs().sum() > 0


def test_sd_exits_not_exported_and_checks(tmp_path):
    model = small_sssd()
    assert any(k.startswith('exits.') for k in model.state_dict())
    ckpt = osp.join(str(tmp_path), 'sd.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    export_student(ckpt, osp.join(str(tmp_path), 'student.pth'))
    exported = torch.load(osp.join(str(tmp_path), 'student.pth'), weights_only=True)['state_dict']
    assert set(exported) == set(model.student.state_dict())
    plain = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=SMALL_RESNET,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=7, in_channels=64),
        )
    )
    plain.load_state_dict(exported, strict=True)
    with pytest.raises(ValueError, match='remove model.teacher'):
        small_sssd(teacher=dict(type='ImageClassifier'))
    with pytest.raises(ValueError, match='alpha must be in'):
        small_sssd(alpha=1.5)


def test_predict_carries_exit_scores_and_the_metric_scores_them():
    model = small_sssd().eval()
    preds = model(torch.randn(3, 3, 16, 16), samples([0, 1, 2]), mode='predict')
    assert preds[0].exit_scores.shape == (4, 7)
    assert torch.allclose(preds[0].exit_scores[-1], preds[0].pred_score)
    assert torch.allclose(preds[0].exit_scores.sum(1), torch.ones(4))
    # two samples, three exits over four clusters
    s1 = torch.tensor([[0.7, 0.1, 0.1, 0.1], [0.1, 0.6, 0.2, 0.1], [0.1, 0.5, 0.3, 0.1]])
    s2 = torch.tensor([[0.1, 0.1, 0.1, 0.7], [0.1, 0.1, 0.1, 0.7], [0.4, 0.2, 0.2, 0.2]])
    batch = [dict(exit_scores=s1, gt_label=torch.tensor([1])), dict(exit_scores=s2, gt_label=torch.tensor([3]))]
    metric = ExitAccuracy()
    metric.process(None, batch)
    # argmax exit1: 0, 3; exit2: 1, 3; exit3: 1, 0; mean prob: [.3, .4, .2, .1] -> 1, [.2, .13, .13, .53] -> 3
    assert metric.compute_metrics(metric.results) == pytest.approx(
        dict(top1_exit1=50.0, top1_exit2=100.0, top1_exit3=50.0, top1_ensemble=100.0)
    )
    mapped = ExitAccuracy(cluster_to_class=[1, 1, 0, 3])  # clusters 0 and 1 are class 1
    mapped.process(None, batch)
    assert mapped.compute_metrics(mapped.results) == pytest.approx(
        dict(top1_exit1=100.0, top1_exit2=100.0, top1_exit3=50.0, top1_ensemble=100.0)
    )


# --------------------------------------------------------------------------- the three commands
TINY_MOCO = '''
_base_ = [{base!r}]
model = dict(backbone=dict(base_channels=8, stem_channels=8), projection=dict(hidden_dim=64, output_dim=32),
             queue_size=64)
train_dataloader = dict(batch_size=32, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={root!r}, num_samples=None))
test_dataloader = dict(batch_size=64, num_workers=0, persistent_workers=False,
                       dataset=dict(data_root={root!r}, num_samples=None))
param_scheduler = dict(T_max=1)
train_cfg = dict(max_epochs=1)
default_hooks = dict(checkpoint=dict(interval=1), logger=dict(interval=2))
work_dir = {work!r}
'''
TINY_SD = '''
_base_ = [{base!r}]
num_clusters = 20  # the facts: the head, the preprocessor and PseudoLabelDataset follow them
ann_file = {ann!r}
model = dict(student=dict(backbone=dict(base_channels=8, stem_channels=8), head=dict(num_classes=20, in_channels=64)))
train_dataloader = dict(batch_size=32, num_workers=0, persistent_workers=False,
                        dataset=dict(ann_file={ann!r}, dataset=dict(data_root={root!r}, num_samples=None)))
val_dataloader = dict(batch_size=64, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root={root!r}, num_samples=None))
test_dataloader = val_dataloader
val_evaluator = dict(cluster_to_class={ann!r})
test_evaluator = val_evaluator
param_scheduler = dict(T_max=1)
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1), logger=dict(interval=2))
work_dir = {work!r}
'''
MOCO_BASE = 'configs/sssd/sssd-moco_resnet18_1xb128-4e_fashion-mnist.py'
SD_BASE = 'configs/sssd/sssd_resnet18_1xb128-4e_fashion-mnist.py'


def write_config(path: str, template: str, base: str, **fields) -> str:
    """Write ``template`` (TINY_MOCO, TINY_SD) over the repo config ``base`` with ``fields`` to ``path``."""
    with open(path, 'w') as f:
        f.write(template.format(base=osp.join(REPO, base), **fields))
    return path


def test_three_stage_chain_writes_every_artefact(tmp_path):
    root = make_fashion_like(str(tmp_path / 'data'), num_train=256, num_test=128)
    moco_cfg, sd_cfg = str(tmp_path / 'moco.py'), str(tmp_path / 'sd.py')
    ann = str(tmp_path / 'pseudo_labels_k20.json')
    write_config(moco_cfg, TINY_MOCO, MOCO_BASE, root=root, work=str(tmp_path / 'moco'))
    write_config(sd_cfg, TINY_SD, SD_BASE, root=root, ann=ann, work=str(tmp_path / 'sd'))
    # stage 1: MoCo
    proc = run_tool('train.py', moco_cfg)
    moco_ckpt = str(tmp_path / 'moco' / 'epoch_1.pth')
    state = torch.load(moco_ckpt, weights_only=True)['state_dict']
    assert 'momentum' in proc.stdout + proc.stderr
    assert any(k.startswith('backbone_momentum.') for k in state) and 'criterion.memory_bank.bank' in state
    # stage 2: k-means pseudo-labels (the generated classes are trivially separable)
    proc = run_tool(
        'kmeans_pseudo_labels.py',
        moco_cfg,
        moco_ckpt,
        '--num-clusters',
        20,
        '--out',
        ann,
        '--eval-split',
        'test',
        '--num-workers',
        0,
    )
    labels, meta = load_pseudo_labels(ann)
    assert len(labels) == 256 and meta['num_clusters'] == 20 and len(meta['cluster_to_class']) == 20
    assert meta['report']['purity'] > 0.8 and meta['report']['test_majority_acc'] > 0.8
    assert 'NMI' in proc.stdout and 'cluster sizes' in proc.stdout
    # stage 3: self-distillation on the pseudo-labels
    proc = run_tool('train.py', sd_cfg)
    assert 'exit/top1_ensemble' in proc.stdout + proc.stderr
    sd_ckpt = str(tmp_path / 'sd' / 'epoch_1.pth')
    assert any(k.startswith('exits.') for k in torch.load(sd_ckpt, weights_only=True)['state_dict'])
    meta = export_student(sd_ckpt, str(tmp_path / 'student.pth'))
    assert meta['prefix'] == 'student.'
    # evaluation: linear probe of every exit on true labels (in-process)
    results = probe_tool.linear_probe(probe_args(sd_cfg, sd_ckpt))
    assert set(results) == {'exit1', 'exit2', 'exit3', 'exit4', 'ensemble'}
    assert all(0 <= v <= 100 for v in results.values()) and results['ensemble'] > 30  # chance is 10%


def test_kmeans_tool_refuses_too_many_clusters(tmp_path):
    root = make_fashion_like(str(tmp_path / 'data'), num_train=16, num_test=8)
    cfg = write_config(str(tmp_path / 'moco.py'), TINY_MOCO, MOCO_BASE, root=root, work=str(tmp_path / 'w'))
    args = tool_args(
        cfg,
        None,
        num_clusters=17,
        out=str(tmp_path / 'pl.json'),
        split='train',
        eval_split=None,
        batch_size=8,
        n_init=1,
        max_iter=10,
        random_labels=True,
    )
    with pytest.raises(ValueError, match='--num-clusters 17 exceeds the 16 samples'):
        kmeans_tool.pseudo_labels(args)
    assert not osp.exists(tmp_path / 'pl.json')
    args.num_clusters = 4  # the random-label control of the paper
    assert 'random, K=4' in kmeans_tool.pseudo_labels(args)
    labels, meta = load_pseudo_labels(args.out)
    assert len(labels) == 16 and meta['source'] == 'random' and 'nmi' in meta['report']


@pytest.mark.parametrize('reduction', ['mean', 'pooled'])
def test_sd_feature_hint_reductions_match_formulas(reduction):
    torch.manual_seed(0)
    model = small_sssd(feat_weight=0.003, feat_reduction=reduction).train()
    x, y = torch.randn(4, 3, 16, 16), torch.tensor([0, 3, 6, 3])
    losses = model(x, samples(y), mode='loss')
    with torch.no_grad():
        feats, _ = model.forward_exits(x)
    if reduction == 'mean':  # mean over every element of the (N, C, H, W) difference
        expected = sum(((f - feats[3]) ** 2).mean() for f in feats[:3])
    else:  # squared distance of the globally pooled (N, C) features, mean over the batch
        expected = sum(((f.mean((2, 3)) - feats[3].mean((2, 3))) ** 2).sum(1).mean() for f in feats[:3])
    assert losses['loss_feat'].item() == pytest.approx(0.003 * expected.item(), rel=1e-5)


def test_sd_feature_hint_reduction_is_checked():
    with pytest.raises(ValueError, match=r"feat_reduction='max' is not one of \['sum', 'mean', 'pooled'\]"):
        small_sssd(feat_reduction='max')


def _scalars(tmp_path, losses):
    folder = tmp_path / '20260101_000000' / 'vis_data'
    folder.mkdir(parents=True)
    (folder / 'scalars.json').write_text(''.join(f'{{"loss": {v}, "step": {i}}}\n' for i, v in enumerate(losses, 1)))
    return str(tmp_path)


def test_chain_warns_when_the_contrastive_loss_stays_at_chance(tmp_path):
    import math

    from mmkd.apis.chain import contrastive_chance_warning

    moco = dict(model=dict(type='LightlyMoCo', queue_size=128))
    chance = math.log(129)
    flat = _scalars(tmp_path / 'flat', [5.3, 5.0] + [chance + 0.01] * 8)
    warning = contrastive_chance_warning(flat, moco)
    assert warning is not None and f'ln(129) = {chance:.2f}' in warning and 'queue of 128 keys' in warning
    learning = _scalars(tmp_path / 'learning', [5.0, 4.6, 4.2, 3.9, 3.6, 3.4, 3.2, 3.1, 3.0, 2.9])
    assert contrastive_chance_warning(learning, moco) is None
    assert contrastive_chance_warning(flat, dict(model=dict(type='ImageClassifier'))) is None


def test_moco_projection_width_is_the_backbones_final_feature_width():
    """mmpretrain MobileNetV2 / ShuffleNetV2 end with a widening 1x1 conv: the projection reads its width."""
    from mmpretrain.models.backbones import MobileNetV2, ShuffleNetV2

    from mmkd.models.selfsup.moco_lightly import backbone_out_channels

    for backbone in (MobileNetV2(widen_factor=0.5), ShuffleNetV2(widen_factor=0.5)):
        backbone.eval()
        final = backbone(torch.zeros(1, 3, 32, 32))[-1]
        assert backbone_out_channels(backbone) == final.shape[1]
