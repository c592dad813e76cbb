"""CSS: masked multi-branch networks, joint labels, dynamic-weight online KD, metrics, export."""

import json
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from conftest import run_tool, write_tiny_config
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint
from mmpretrain.structures import DataSample

import mmkd.evaluation.metrics.css_metrics  # noqa: F401  (registers CSSMetric)
import mmkd.models.distillers.css  # noqa: F401  (registers CSSDistiller and CSSNetwork)
from mmkd.apis import export_student
from mmkd.evaluation.metrics.css_metrics import CSSMetric
from mmkd.models.classifiers import CSSNetwork, aggregate_branch_logits, css_joint_targets, load_css_network
from mmkd.models.distillers.css import CSSDistiller, branch_kd, css_dynamic_weights
from mmkd.registry import MODELS

TINY = dict(type='CIFARResNet', arch='resnet8')


def network(backbone=TINY, num_classes=5, **kwargs) -> CSSNetwork:
    torch.manual_seed(0)
    return MODELS.build(dict(type='CSSNetwork', backbone=backbone, num_classes=num_classes, **kwargs))


def distiller(num_classes=5, net2=None, **kwargs) -> CSSDistiller:
    torch.manual_seed(0)
    return CSSDistiller(net1=dict(backbone=TINY, num_classes=num_classes), net2=net2, **kwargs)


def batch(n=6, num_classes=5, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 3, size, size, generator=g)
    samples = [DataSample().set_gt_label(i % num_classes) for i in range(n)]
    return inputs, samples, torch.arange(n) % num_classes


def kl_by_hand(student, teacher, tau):
    """tau^2 * sum_c p_t (log p_t - log p_s), mean over rows."""
    p_t = torch.softmax(teacher / tau, 1)
    return tau**2 * (p_t * (p_t.log() - torch.log_softmax(student / tau, 1))).sum(1).mean()


def capture(net: CSSNetwork, inputs):
    """The trunk output and what every branch body receives, from one real forward."""
    seen = {}
    hooks = [net.backbone.register_forward_hook(lambda m, i, o: seen.__setitem__('trunk', o[-1].detach()))]
    for j, branch in enumerate(net.branches):
        hooks.append(branch.body.register_forward_pre_hook(lambda m, args, j=j: seen.__setitem__(j, args[0].detach())))
    net.branch_logits(inputs)
    for h in hooks:
        h.remove()
    return seen


# ----------------------------------------------------------------------------- masks
@pytest.mark.parametrize('train', [True, False])
def test_masks_zero_the_code_corners_in_every_channel_at_train_and_test_time(train):
    net = network(num_branches=5).train(train)
    seen = capture(net, batch(n=2)[0])
    trunk = seen['trunk']
    assert trunk.shape[-2:] == (16, 16)  # stem + stages 1-2 of a CIFAR ResNet at 32 px; s = 16 // 4 = 4
    zeroed = {
        0: (slice(0, 4), slice(0, 4)),
        1: (slice(12, 16), slice(12, 16)),
        2: (slice(12, 16), slice(0, 4)),
        3: (slice(0, 4), 12),
    }  # the code's slip: one column for branch 3; branch 4: no mask
    for j in range(5):
        keep = torch.ones(16, 16, dtype=torch.bool)
        if j in zeroed:
            keep[zeroed[j]] = False
        got = seen[j]
        assert torch.equal(got[:, :, ~keep], torch.zeros_like(got[:, :, ~keep]))  # all channels
        assert torch.equal(got[:, :, keep], trunk[:, :, keep])
        if j in zeroed:
            assert trunk[:, :, ~keep].abs().sum() > 0  # the mask really removed something


def test_mask_switches_reach_the_network():
    inputs = batch(n=2)[0]
    off = capture(network(sample_diversity=False), inputs)
    assert all(torch.equal(off[j], off['trunk']) for j in range(3))
    quad = capture(network(mask_layout='quadrants', num_branches=4), inputs)
    assert torch.equal(quad[3][:, :, :8, 8:], torch.zeros_like(quad[3][:, :, :8, 8:]))  # top-right quadrant
    assert torch.equal(quad[3][:, :, 8:, :], quad['trunk'][:, :, 8:, :])
    fixed = capture(network(mask_layout='code_corners_fixed', num_branches=4), inputs)
    assert torch.equal(fixed[3][:, :, :4, 12:], torch.zeros_like(fixed[3][:, :, :4, 12:]))
    quarter = capture(network(mask_fraction=0.25), inputs)  # the paper's "a quarter": 8x8 corner
    assert torch.equal(quarter[0][:, :, :8, :8], torch.zeros_like(quarter[0][:, :, :8, :8]))
    assert torch.equal(quarter[0][:, :, 8:, :], quarter['trunk'][:, :, 8:, :])
    with pytest.raises(ValueError, match='mask_layout'):
        network(mask_layout='random')
    with pytest.raises(ValueError, match='mask_fraction'):
        network(mask_layout='quadrants', mask_fraction=0.25)


# ----------------------------------------------------------------------------- joint labels
def test_joint_targets_and_aggregation_use_the_same_class_major_index():
    labels = torch.tensor([2, 0, 4])
    m, K = 3, 5  # K != m, so class-major and transform-major differ
    assert css_joint_targets(labels, m).tolist() == [[6, 0, 12], [7, 1, 13], [8, 2, 14]]
    assert css_joint_targets(labels, m, target_diversity=False).tolist() == [labels.tolist()] * m
    # branch j puts its mass on exactly its CE target y*m+j -> CE ~ 0 and the aggregate picks y
    z = torch.full((3, m, K * m), -10.0)
    targets = css_joint_targets(labels, m)
    for j in range(m):
        z[torch.arange(3), j, targets[j]] = 10.0
    assert aggregate_branch_logits(z).argmax(1).tolist() == labels.tolist()
    net = network(num_classes=K)
    assert net.branch_ce(z, labels) < 1e-6
    # and the aggregate equals P_c = mean_j z^(j)[:, c*m + j] written out
    z = torch.randn(3, m, K * m)
    by_hand = torch.tensor([[sum(z[b, j, c * m + j] for j in range(m)) / m for c in range(K)] for b in range(3)])
    assert torch.allclose(aggregate_branch_logits(z), by_hand, atol=1e-6)
    assert torch.equal(aggregate_branch_logits(z[..., :K], target_diversity=False), z[..., :K].mean(1))


def test_network_outputs_loss_and_predict_follow_the_joint_layout():
    net = network().eval()
    inputs, samples, labels = batch()
    z = net.branch_logits(inputs)
    assert z.shape == (6, 3, 15)
    assert torch.allclose(net(inputs, mode='tensor'), aggregate_branch_logits(z))
    preds = net(inputs, samples, mode='predict')
    assert torch.allclose(torch.stack([p.pred_score for p in preds]), torch.softmax(aggregate_branch_logits(z), 1))
    ce = net(inputs, samples, mode='loss')['loss_ce']
    by_hand = sum(F.cross_entropy(z[:, j], labels * 3 + j) for j in range(3)) / 3  # mean over branches
    assert ce.item() == pytest.approx(by_hand.item(), rel=1e-5)
    plain = network(target_diversity=False).eval()
    assert plain.branch_logits(inputs).shape == (6, 3, 5)


# ----------------------------------------------------------------------------- losses
def test_loss_terms_and_dynamic_weights_match_an_independent_computation():
    model = distiller(net2=dict(backbone=dict(type='CIFARResNet', arch='resnet14'), num_classes=5))
    inputs, samples, labels = batch()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'net1.loss_ce', 'net2.loss_ce', 'net1.loss_kd', 'net2.loss_kd', 'alpha1', 'alpha2'}
    z1, z2 = (net.branch_logits(inputs) for net in model.nets)  # train mode again: same batch statistics
    ce = [sum(F.cross_entropy(z[:, j], labels * 3 + j) for j in range(3)) / 3 for z in (z1, z2)]
    alpha1 = ce[0] / ce[1]
    kd1 = sum(kl_by_hand(z1[:, j], z2[:, j], 3.0) for j in range(3)) / 3
    kd2 = sum(kl_by_hand(z2[:, j], z1[:, j], 3.0) for j in range(3)) / 3
    assert losses['net1.loss_ce'].item() == pytest.approx(ce[0].item(), rel=1e-5)
    assert losses['net2.loss_ce'].item() == pytest.approx(ce[1].item(), rel=1e-5)
    assert losses['alpha1'].item() == pytest.approx(alpha1.item(), rel=1e-5)
    assert losses['alpha2'].item() == pytest.approx(1 / alpha1.item(), rel=1e-5)
    assert losses['net1.loss_kd'].item() == pytest.approx(alpha1.item() * kd1.item(), rel=1e-4)
    assert losses['net2.loss_kd'].item() == pytest.approx(kd2.item() / alpha1.item(), rel=1e-4)
    assert alpha1.item() != pytest.approx(1.0, abs=1e-3)  # the check above is not trivially satisfied
    fixed = distiller(dynamic_weight=False)(inputs, samples, mode='loss')
    assert fixed['alpha1'].item() == fixed['alpha2'].item() == 1.0


@pytest.mark.parametrize('detach_alpha', [False, True])
@pytest.mark.parametrize('detach_teacher', [False, True])
def test_detach_switches_block_exactly_their_gradients(detach_alpha, detach_teacher):
    g = torch.Generator().manual_seed(0)
    ce1, ce2 = (torch.rand((), generator=g).add(0.5).requires_grad_() for _ in range(2))
    student, teacher = (torch.randn(4, 3, 6, generator=g).requires_grad_() for _ in range(2))
    alpha1, alpha2 = css_dynamic_weights(ce1, ce2, detach=detach_alpha)
    assert alpha1.item() == pytest.approx(ce1.item() / ce2.item()) and alpha2.item() == pytest.approx(1 / alpha1.item())
    (alpha1 * branch_kd(student, teacher, 3.0, detach_teacher)).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    for leaf in (ce1, ce2):
        assert (leaf.grad is None) == detach_alpha
        if not detach_alpha:
            assert leaf.grad.abs() > 0
    assert (teacher.grad is None) == detach_teacher
    # in the distiller: net1's KD term reaches net2 through the KD target and through alpha1's CE2
    model = distiller(detach_alpha=detach_alpha, detach_teacher=detach_teacher)
    inputs, samples, _ = batch()
    model(inputs, samples, mode='loss')['net1.loss_kd'].backward()
    net2_grad = sum(p.grad.abs().sum() for p in model.nets[1].parameters() if p.grad is not None)
    assert (net2_grad > 0) == (not (detach_alpha and detach_teacher))
    assert sum(p.grad.abs().sum() for p in model.nets[0].parameters() if p.grad is not None) > 0


def test_kd_distils_matching_branches_over_the_joint_distribution():
    g = torch.Generator().manual_seed(0)
    m, K = 3, 4
    student = torch.randn(5, m, K * m, generator=g)
    # the teacher agrees with the student on each branch's own-transformation logits only
    teacher = torch.randn(5, m, K * m, generator=g)
    for j in range(m):
        teacher[:, j, j::m] = student[:, j, j::m]
    assert torch.allclose(aggregate_branch_logits(teacher), aggregate_branch_logits(student))
    kd = branch_kd(student, teacher, 3.0)
    assert kd > 0.01  # a KD on the aggregated K-way predictions would be 0 here
    by_hand = sum(kl_by_hand(student[:, j], teacher[:, j], 3.0) for j in range(m)) / m
    assert kd.item() == pytest.approx(by_hand.item(), rel=1e-5)
    # matching pairs only: identical branches give 0, the same branches paired crosswise do not
    assert branch_kd(student, student.clone(), 3.0).item() == pytest.approx(0.0, abs=1e-6)
    assert branch_kd(student, student.roll(1, dims=1), 3.0) > 0.01
    with pytest.raises(ValueError, match='matching branches'):
        branch_kd(student, teacher[:, :2], 3.0)


def test_single_network_ablation_and_config_errors():
    model = distiller(num_networks=1, num_branches=4)
    inputs, samples, _ = batch()
    assert set(model(inputs, samples, mode='loss')) == {'net1.loss_ce'}
    assert len(model.nets) == 1 and model.nets[0].num_branches == 4
    with pytest.raises(ValueError, match='eval_mode'):
        distiller(num_networks=1, eval_mode='ensemble')
    with pytest.raises(ValueError, match='num_branches=2 conflicts'):
        CSSDistiller(net1=dict(backbone=TINY, num_classes=5, num_branches=2), num_branches=3)
    with pytest.raises(ValueError, match='same classes'):
        distiller(net2=dict(backbone=TINY, num_classes=7))
    with pytest.raises(ValueError, match='eval_mode'):
        distiller(eval_mode='net3_agg')


# ----------------------------------------------------------------------------- evaluation
@pytest.mark.parametrize('eval_mode', ['net1_agg', 'net2_agg', 'ensemble'])
def test_predict_scores_by_eval_mode_and_attaches_metric_fields(eval_mode):
    model = distiller(eval_mode=eval_mode).eval()
    inputs, samples, _ = batch()
    agg = [net(inputs, mode='tensor') for net in model.nets]
    expected = {'net1_agg': agg[0], 'net2_agg': agg[1], 'ensemble': (agg[0] + agg[1]) / 2}[eval_mode]
    assert torch.allclose(model(inputs, mode='tensor'), expected, atol=1e-6)
    preds = model(inputs, samples, mode='predict')
    assert torch.allclose(torch.stack([p.pred_score for p in preds]), torch.softmax(expected, 1), atol=1e-6)
    assert torch.allclose(torch.stack([p.css_net_logits for p in preds]), torch.stack(agg, 1), atol=1e-6)
    z = model.nets[0].branch_logits(inputs)
    assert torch.allclose(torch.stack([p.css_branch_probs[0] for p in preds]), torch.softmax(z, -1), atol=1e-6)
    classes = distiller(diversity_space='class').eval()(inputs, samples, mode='predict')
    z = distiller().nets[0].eval().branch_logits(inputs)
    own = torch.stack([z[:, j, j::3] for j in range(3)], 1)
    assert torch.allclose(torch.stack([p.css_branch_probs[0] for p in classes]), torch.softmax(own, -1), atol=1e-6)


def test_css_metric_on_a_hand_made_example():
    r2 = math.sqrt(2)
    samples = [
        # gt 0: net1 right, net2 wrong, ensemble [1, 2, 0] wrong; net1's branches disagree completely
        dict(
            gt_label=torch.tensor([0]),
            css_net_logits=torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 0.0]]),
            css_branch_probs=torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [1.0, 0.0]]]),
        ),
        # gt 2: everyone right, all branches identical
        dict(
            gt_label=torch.tensor([2]),
            css_net_logits=torch.tensor([[0.0, 0.0, 1.0], [0.0, 0.0, 5.0]]),
            css_branch_probs=torch.full((2, 2, 2), 0.5),
        ),
        dict(gt_label=torch.tensor([1]), pred_score=torch.ones(3)),  # not a CSS sample: skipped
    ]
    metric = CSSMetric()
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert out['net1_top1'] == pytest.approx(100.0) and out['net2_top1'] == pytest.approx(50.0)
    assert out['ensemble_top1'] == pytest.approx(50.0)
    assert out['net1_diversity'] == pytest.approx(r2 / 2)  # (sqrt2 + 0) / 2 samples
    assert out['net2_diversity'] == pytest.approx(0.0)
    # all 4 branches of sample 1: pairs sqrt2, 0, 0, sqrt2, sqrt2, 0 -> sqrt2 / 2; sample 2: 0
    assert out['all_diversity'] == pytest.approx(r2 / 4)
    # same-index pairs of sample 1: 0 and sqrt2 -> sqrt2 / 2; sample 2: 0
    assert out['mutual_diversity'] == pytest.approx(r2 / 4)


# ----------------------------------------------------------------------------- backbones + export
@pytest.mark.parametrize(
    'backbone,size',
    [
        (dict(type='CIFARResNet', arch='resnet56_bottleneck'), 32),
        (dict(type='CIFARResNet', arch='resnet110_bottleneck'), 32),
        (dict(type='CIFARResNet', arch='wrn20_8_bottleneck'), 32),
        (dict(type='WideResNet', depth=16, widen_factor=2), 32),
        (dict(type='ResNet', depth=50), 64),
    ],
)
def test_backbone_families_build_and_transfer_into_the_plain_backbone(backbone, size):
    net = network(backbone, num_classes=10).eval()
    plain = MODELS.build(backbone)
    plain.eval()  # mmpretrain's ResNet.train returns None
    assert not any('stages.2' in k or 'layer4' in k for k in net.backbone.state_dict())  # trunk only
    last_stage = sum(p.numel() for n, p in plain.named_parameters() if n.startswith(('stages.2', 'layer4', 'post')))
    trunk = sum(p.numel() for p in plain.parameters()) - last_stage
    fc = net.out_channels * 30 + 30
    assert sum(p.numel() for p in net.parameters()) == trunk + 3 * (last_stage + fc)
    x = torch.randn(2, 3, size, size)
    assert net(x, mode='tensor').shape == (2, 10)
    state = net.transfer_state_dict()
    result = plain.load_state_dict({k[len('backbone.') :]: v for k, v in state.items()}, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    own = net.state_dict()
    from_branch0 = {'stages.2': 'branches.0.body.0', 'layer4': 'branches.0.body.0', 'post': 'branches.0.body.1'}
    for key, value in plain.state_dict().items():
        if f'backbone.{key}' in own:  # a trunk tensor
            source = f'backbone.{key}'
        else:  # the last stage (and post) come from branch 0's body
            depth = 2 if key.startswith('stages.') else 1
            parts = key.split('.')
            source = '.'.join([from_branch0['.'.join(parts[:depth])], *parts[depth:]])
        assert torch.equal(value, own[source]), key
    # the plain backbone computes exactly branch 0 on the unmasked trunk output
    with torch.no_grad():
        assert torch.allclose(plain(x)[-1], net.branches[0].body(net.extract_trunk(x)), atol=1e-5)


def test_export_full_predicts_identically_and_transfer_loads_strictly(tmp_path):
    cfg = Config(
        dict(
            model=dict(
                type='CSSDistiller',
                net1=dict(backbone=dict(type='CIFARResNet', arch='resnet14'), num_classes=5),
                net2=dict(backbone=TINY, num_classes=5),
                num_branches=2,
                mask_layout='quadrants',
            ),
            data_preprocessor=dict(type='ClsDataPreprocessor', mean=[10.0, 20.0, 30.0], std=[2.0, 3.0, 4.0]),
        )
    )
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    inputs, samples, _ = batch()
    for _ in range(3):  # non-trivial BN statistics
        model(inputs, samples, mode='loss')
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {'cfg': cfg.pretty_text}}, ckpt)
    model.eval()
    raw = [(inputs * 50 + 100)[i] for i in range(len(inputs))]
    for net in (1, 2):
        out = tmp_path / f'net{net}_full.pth'
        meta = export_student(str(ckpt), str(out), peer=net - 1, css_export='full')
        assert meta['network_cfg']['num_branches'] == 2 and meta['network_cfg']['mask_layout'] == 'quadrants'
        assert set(torch.load(out, weights_only=True)['state_dict']) == set(model.nets[net - 1].state_dict())
        rebuilt = load_css_network(str(out))
        with torch.no_grad():
            assert torch.equal(rebuilt(inputs, mode='tensor'), model.nets[net - 1](inputs, mode='tensor'))
            # from raw images too: the data preprocessor travelled with the export
            got = rebuilt.test_step(dict(inputs=raw, data_samples=[DataSample() for _ in raw]))
            want = model.nets[net - 1](model.data_preprocessor(dict(inputs=raw))['inputs'], mode='tensor')
        assert torch.allclose(torch.stack([p.pred_score for p in got]), torch.softmax(want, 1), atol=1e-6)
    out = tmp_path / 'net2_transfer.pth'
    export_student(str(ckpt), str(out), peer=1, css_export='transfer')
    state = torch.load(out, weights_only=True)
    plain = MODELS.build(TINY)
    result = plain.load_state_dict({k[len('backbone.') :]: v for k, v in state['state_dict'].items()}, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert torch.equal(plain.stages[2][0].conv1.weight, model.nets[1].branches[0].body[0][0].conv1.weight)
    assert torch.equal(plain.stem[0].weight, model.nets[1].backbone.stem[0].weight)
    with pytest.raises(ValueError, match='--peer 2 does not exist'):
        export_student(str(ckpt), str(tmp_path / 'x.pth'), peer=2)
    assert not osp.exists(tmp_path / 'x.pth')
    # a CSSNetwork trained on its own (model.type='CSSNetwork') exports the same way
    lone_cfg = Config(dict(model=dict(type='CSSNetwork', backbone=TINY, num_classes=5, num_branches=4)))
    lone = network(num_branches=4)
    lone(inputs, samples, mode='loss')
    torch.save({'state_dict': lone.state_dict(), 'meta': {'cfg': lone_cfg.pretty_text}}, tmp_path / 'lone.pth')
    export_student(str(tmp_path / 'lone.pth'), str(tmp_path / 'lone_full.pth'))
    lone.eval()
    with torch.no_grad():
        assert torch.equal(
            load_css_network(str(tmp_path / 'lone_full.pth'))(inputs, mode='tensor'), lone(inputs, mode='tensor')
        )


# ----------------------------------------------------------------------------- real run
def test_short_real_run_loss_goes_down_and_logs_css_metrics(tmp_path, fashion_root):
    # no crop/flip: the look-alike's classes are square positions, so the run learns them in ~30 steps
    extra = '''
custom_imports = dict(imports=['mmkd.models.distillers.css', 'mmkd.evaluation.metrics.css_metrics'],
                      allow_failed_imports=False)
model = dict(net1=dict(backbone=dict(arch='resnet8')))
train_dataloader['dataset']['pipeline'] = [dict(type='GrayToRGB'), dict(type='Resize', scale=(32, 32)),
                                           dict(type='PackInputs')]
train_cfg['val_interval'] = 2
'''
    cfg = write_tiny_config(
        tmp_path,
        'configs/css/css_resnet20_resnet20_1xb64-5e_fashion-mnist.py',
        fashion_root,
        extra,
        max_epochs=4,
        num_train=128,
        batch_size=16,
    )
    run_tool('train.py', cfg)
    work = tmp_path / 'work'
    records = [json.loads(line) for line in sorted(work.glob('*/vis_data/scalars.json'))[-1].read_text().splitlines()]
    train = [r for r in records if 'loss' in r]
    assert len(train) == 32
    losses = [r['loss'] for r in train]
    assert sum(losses[-4:]) / 4 < 0.8 * sum(losses[:4]) / 4, losses
    # below ln(10) the branches have learnt classes, not just their own transformation id (ln 30 -> ln 10)
    assert train[-1]['net1.loss_ce'] < math.log(10) and train[-1]['net2.loss_ce'] < math.log(10), train[-1]
    assert 'alpha1' in train[-1] and 'net1.loss_kd' in train[-1]
    val = [r for r in records if 'css/net1_top1' in r]
    assert len(val) == 2
    for key in (
        'css/net2_top1',
        'css/ensemble_top1',
        'css/net1_diversity',
        'css/net2_diversity',
        'css/all_diversity',
        'css/mutual_diversity',
        'accuracy/top1',
    ):
        assert key in val[-1]
    assert val[-1]['accuracy/top1'] == pytest.approx(val[-1]['css/net1_top1'])  # eval_mode net1_agg
    ckpt = work / 'epoch_4.pth'
    run_tool('export_student.py', ckpt, tmp_path / 'full.pth', '--peer', 1)
    export_student(str(ckpt), str(tmp_path / 'transfer.pth'), css_export='transfer')  # the CLI once is enough
    rebuilt = load_css_network(str(tmp_path / 'full.pth'))
    state = torch.load(tmp_path / 'transfer.pth', weights_only=True)
    plain = MODELS.build(dict(type='CIFARResNet', arch='resnet8'))
    plain.load_state_dict({k[len('backbone.') :]: v for k, v in state['state_dict'].items()}, strict=True)
    trained = _load_checkpoint(str(ckpt), map_location='cpu')['state_dict']
    assert all(torch.equal(v, trained[f'peers.1.{k}']) for k, v in rebuilt.state_dict().items())
    assert all(
        torch.equal(v, trained[f'peers.0.backbone.{k}'])
        for k, v in plain.state_dict().items()
        if not k.startswith('stages.2')
    )
    assert torch.equal(plain.stages[2][0].conv1.weight, trained['peers.0.branches.0.body.0.0.conv1.weight'])


# ----------------------------------------------------------------------------- vocabulary
def test_peers_form_equals_the_deprecated_form_and_old_keys_warn():
    inputs, samples, _ = batch()
    torch.manual_seed(0)
    new = CSSDistiller(peers=[dict(backbone=TINY, num_classes=5), None], eval_peer=1, loss_kd=dict(tau=2.0))
    with pytest.warns(DeprecationWarning) as record:
        torch.manual_seed(0)
        old = CSSDistiller(net1=dict(backbone=TINY, num_classes=5), eval_mode='net2_agg', temperature=2.0)
    said = ' '.join(str(w.message) for w in record)
    assert (
        'net1 is deprecated; use peers[0]' in said
        and 'temperature=...) is deprecated: set loss_kd=dict(tau=...)' in said
    )
    assert 'eval_mode is deprecated' in said
    assert old.eval_peer == new.eval_peer == 1 and old.loss_kd.tau == new.loss_kd.tau == 2.0
    for a, b in zip(new(inputs, samples, mode='loss').values(), old(inputs, samples, mode='loss').values()):
        assert torch.equal(a, b)
    assert list(new.state_dict()) == list(old.state_dict()) and all(k.startswith('peers.') for k in new.state_dict())
    assert (
        old.ensemble is False and CSSDistiller(net1=dict(backbone=TINY, num_classes=5), eval_mode='ensemble').ensemble
    )
    with pytest.raises(ValueError, match='ensemble=True needs two peers'):
        CSSDistiller(peers=[dict(backbone=TINY, num_classes=5)], ensemble=True)
    # an older child config (or --cfg-options model.net1...) over a current base: merged into peers[0]
    merged = CSSDistiller(peers=[dict(backbone=TINY, num_classes=5), None], net1=dict(backbone=dict(arch='resnet14')))
    assert [p.backbone.arch for p in merged.peers] == ['resnet14', 'resnet14']
    with pytest.raises(ValueError, match=r'model\.peers\[1\]\.num_classes=7.*same classes'):
        CSSDistiller(peers=[dict(backbone=TINY, num_classes=5), dict(backbone=TINY, num_classes=7)])


def test_loss_kd_is_a_registered_term_with_its_weight():
    inputs, samples, _ = batch()
    base = distiller()(inputs, samples, mode='loss')
    torch.manual_seed(0)
    half = CSSDistiller(peers=[dict(backbone=TINY, num_classes=5), None], loss_kd=dict(loss_weight=0.5))
    losses = half(inputs, samples, mode='loss')
    assert losses['net1.loss_kd'].item() == pytest.approx(0.5 * base['net1.loss_kd'].item(), rel=1e-6)
    assert torch.equal(losses['net1.loss_ce'], base['net1.loss_ce'])


def test_old_checkpoints_with_nets_keys_still_load_evaluate_and_export(tmp_path):
    from mmkd.apis.evaluate import _layout

    model = distiller().eval()
    old = {k.replace('peers.', 'nets.', 1): v for k, v in model.state_dict().items()}
    assert _layout(old) == 'own'
    fresh = CSSDistiller(peers=[dict(backbone=TINY, num_classes=5), None])
    fresh.load_state_dict(old, strict=True)
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), model.state_dict().values()))
    cfg = Config(dict(model=dict(type='CSSDistiller', net1=dict(backbone=TINY, num_classes=5), net2=None)))
    torch.save({'state_dict': old, 'meta': {'cfg': cfg.pretty_text}}, tmp_path / 'old.pth')
    meta = export_student(str(tmp_path / 'old.pth'), str(tmp_path / 'peer1.pth'), peer=1)
    assert meta['peer'] == 1 and meta['prefix'] == 'peers.1.'
    inputs = batch()[0]
    with torch.no_grad():
        got = load_css_network(str(tmp_path / 'peer1.pth'))(inputs, mode='tensor')
        assert torch.equal(got, model.peers[1](inputs, mode='tensor'))


def test_ensemble_export_predicts_like_the_distiller_and_other_methods_refuse_css_flags(tmp_path):
    from mmkd.apis import get_student, inference_student

    cfg = Config(
        dict(
            model=dict(
                type='CSSDistiller',
                peers=[
                    dict(backbone=dict(type='CIFARResNet', arch='resnet14'), num_classes=5),
                    dict(backbone=TINY, num_classes=5),
                ],
                num_branches=2,
            ),
            data_preprocessor=dict(type='ClsDataPreprocessor', mean=[10.0, 20.0, 30.0], std=[2.0, 3.0, 4.0]),
            test_pipeline=[dict(type='PackInputs')],
        )
    )
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    inputs, samples, _ = batch()
    model(inputs, samples, mode='loss')
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {'cfg': cfg.pretty_text}}, ckpt)
    out = tmp_path / 'ensemble.pth'
    meta = export_student(str(ckpt), str(out), ensemble=True)
    assert meta['ensemble'] and meta['model_cfg']['ensemble'] and 'peer' not in meta
    assert set(torch.load(out, weights_only=True)['state_dict']) == set(model.state_dict())
    rebuilt = get_student(str(out))
    model.ensemble = True
    model.eval()
    raw = [(inputs * 50 + 100)[i] for i in range(len(inputs))]
    with torch.no_grad():
        assert torch.equal(rebuilt(inputs, mode='tensor'), model(inputs, mode='tensor'))
        got = rebuilt.test_step(dict(inputs=raw, data_samples=[DataSample() for _ in raw]))
        want = model.test_step(dict(inputs=raw, data_samples=[DataSample() for _ in raw]))
    assert all(torch.equal(a.pred_score, b.pred_score) for a, b in zip(got, want))
    image = (inputs[0].permute(1, 2, 0) * 50 + 100).clamp(0, 255).byte().numpy()
    assert inference_student(rebuilt, image)['pred_label'] in range(5)
    with torch.no_grad():
        assert torch.equal(load_css_network(str(out))(inputs, mode='tensor'), model(inputs, mode='tensor'))
    with pytest.raises(ValueError, match='does not take --peer'):
        export_student(str(ckpt), str(tmp_path / 'x.pth'), ensemble=True, peer=0)
    with pytest.raises(ValueError, match='cannot be combined with --css-export transfer'):
        export_student(str(ckpt), str(tmp_path / 'x.pth'), ensemble=True, css_export='transfer')
    # --backbone-only is the transfer export for CSS
    assert export_student(str(ckpt), str(tmp_path / 'bb.pth'), backbone_only=True)['mode'] == 'transfer'
    # the CSS flags are refused for a method without them
    clf = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=TINY,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=5, in_channels=64),
        )
    )
    torch.save({'state_dict': {f'student.{k}': v for k, v in clf.state_dict().items()}}, tmp_path / 'kd.pth')
    with pytest.raises(ValueError, match='--css-export applies to CSS checkpoints only'):
        export_student(str(tmp_path / 'kd.pth'), str(tmp_path / 'y.pth'), css_export='full')
    with pytest.raises(ValueError, match='--ensemble: .* has no ensemble'):
        export_student(str(tmp_path / 'kd.pth'), str(tmp_path / 'y.pth'), ensemble=True)
