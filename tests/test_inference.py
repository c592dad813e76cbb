"""Inference on exported students: export_student -> student_config / get_student / inference_student, and
mmpretrain's ImageClassificationInferencer and FeatureExtractor on the exported file (docs/inference.md)."""

import json
import os
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import REPO

DEMO = 'configs/demo/resnet18-w16_1xb64-3e_fashion-mnist.py'  # mmpretrain's ResNet, gray 28x28 -> 32x32
CIFAR = 'configs/baseline/resnet20_1xb64-240e_cifar100.py'  # mmkd's CIFARResNet (CIFAR zoo), 32x32 colour


def training_checkpoint(config: str, path: str, seed: int = 0):
    """A randomly initialised model of ``config`` saved as tools/train.py saves it: mmengine's meta
    (``cfg`` as text, ``dataset_meta``) plus ModelCfgMetaHook's ``mmkd_model_cfg``. Returns (model, cfg)."""
    from mmengine.config import Config
    from mmengine.runner import save_checkpoint

    from mmkd.apis import model_config
    from mmkd.apis.config import finalize_config
    from mmkd.registry import DATASETS, MODELS

    cfg = finalize_config(Config.fromfile(osp.join(REPO, config)))
    torch.manual_seed(seed)
    model = MODELS.build(model_config(cfg)).eval()
    classes = DATASETS.get(cfg.test_dataloader.dataset.type).METAINFO['classes']
    meta = dict(
        cfg=cfg.pretty_text,
        mmkd_model_cfg=model_config(cfg),
        dataset_meta=dict(classes=tuple(classes)),
        epoch=1,
        iter=10,
        experiment_name='tiny',
    )
    save_checkpoint({'meta': meta, 'state_dict': model.state_dict()}, path)
    return model, cfg


@pytest.fixture(scope='module', params=['demo', 'cifar'])
def student(request, tmp_path_factory):
    """(source model, its config, training checkpoint, exported student) for each config."""
    from mmkd.apis import export_student

    tmp = tmp_path_factory.mktemp(f'inference_{request.param}')
    raw, out = str(tmp / 'epoch_1.pth'), str(tmp / 'student.pth')
    model, cfg = training_checkpoint(DEMO if request.param == 'demo' else CIFAR, raw)
    export_student(raw, out)
    return model, cfg, raw, out


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    from mmkd.apis import export_student

    tmp = tmp_path_factory.mktemp('inference_demo_only')
    raw, out = str(tmp / 'epoch_1.pth'), str(tmp / 'student.pth')
    model, cfg = training_checkpoint(DEMO, raw, seed=1)
    export_student(raw, out)
    return model, cfg, raw, out


def image_for(cfg, seed: int = 0) -> np.ndarray:
    """A uint8 image as the student's dataset gives it: (28, 28) gray for Fashion-MNIST, (32, 32, 3) for CIFAR."""
    rng = np.random.default_rng(seed)
    shape = (28, 28) if 'GrayToRGB' in str(cfg.test_pipeline) else (32, 32, 3)
    return rng.integers(0, 256, shape).astype(np.uint8)


def preprocess_by_hand(cfg, img: np.ndarray) -> torch.Tensor:
    """``img`` through the test pipeline and the data preprocessor, written out: a (1, 3, 32, 32) batch."""
    import mmcv

    if img.ndim == 2:  # GrayToRGB
        img = np.repeat(img[..., None], 3, axis=-1)
    if any(t['type'] == 'Resize' for t in cfg.test_pipeline):
        img = mmcv.imresize(img, (32, 32))
    x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float()
    pre = cfg.data_preprocessor
    if pre.get('to_rgb'):
        x = x.flip(1)
    return (x - torch.tensor(pre['mean']).view(1, 3, 1, 1)) / torch.tensor(pre['std']).view(1, 3, 1, 1)


def scores_by_hand(model, cfg, img: np.ndarray) -> torch.Tensor:
    """Softmax scores of ``model`` on ``img``, preprocessed by hand."""
    with torch.no_grad():
        return model(preprocess_by_hand(cfg, img), mode='tensor').softmax(-1)[0]


def test_export_stores_the_test_pipeline_and_still_loads_weights_only(student):
    _, cfg, raw, out = student
    ckpt = torch.load(out, weights_only=True)
    meta = ckpt['meta']
    assert meta['test_pipeline'] == [dict(t) for t in cfg.test_dataloader.dataset.pipeline]
    assert meta['test_pipeline_source'] == "meta['cfg'] test_dataloader.dataset.pipeline (read as data, not executed)"
    assert list(meta['dataset_meta']['classes'])[:1] and meta['model_cfg']['type'] == 'ImageClassifier'
    assert all(isinstance(v, torch.Tensor) for v in ckpt['state_dict'].values())


def test_student_config_is_plain_and_complete(student):
    from mmengine.config import Config

    from mmkd.apis import student_config

    _, cfg, _, out = student
    scfg = student_config(out)
    assert isinstance(scfg, Config)
    assert scfg.test_dataloader.dataset.pipeline == scfg.test_pipeline == cfg.test_pipeline
    assert scfg.model.backbone == cfg.model.backbone and scfg.model.head.num_classes == cfg.model.head.num_classes
    assert scfg.model.data_preprocessor.to_dict() == cfg.data_preprocessor.to_dict()
    assert list(scfg.dataset_meta.classes) == list(
        torch.load(out, weights_only=True)['meta']['dataset_meta']['classes']
    )
    assert scfg.load_from == out and scfg.default_scope == 'mmkd'
    Config.fromstring(scfg.pretty_text, '.py')  # dumps and reads back as an ordinary config


def test_get_student_gives_the_source_logits(student):
    from mmpretrain.models import ImageClassifier

    from mmkd.apis import get_student

    model, cfg, _, out = student
    got = get_student(out)
    assert isinstance(got, ImageClassifier) and not got.training
    assert got.dataset_meta['classes'] == torch.load(out, weights_only=True)['meta']['dataset_meta']['classes']
    x = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(got(x, mode='tensor'), model(x, mode='tensor'), rtol=0, atol=0)
    assert next(got.parameters()).device.type == 'cpu'


def test_inference_student_on_a_png_and_an_array(student, tmp_path):
    import mmcv

    from mmkd.apis import get_student, inference_student

    model, cfg, _, out = student
    classes = torch.load(out, weights_only=True)['meta']['dataset_meta']['classes']
    img = image_for(cfg)
    png = str(tmp_path / 'image.png')
    mmcv.imwrite(img, png)
    by_path = inference_student(out, png)
    assert set(by_path) == {'pred_label', 'pred_score', 'pred_scores', 'pred_class'}
    assert isinstance(by_path['pred_label'], int) and isinstance(by_path['pred_score'], float)
    assert by_path['pred_scores'].shape == (len(classes),)
    assert by_path['pred_class'] == classes[by_path['pred_label']]
    assert by_path['pred_score'] == pytest.approx(float(by_path['pred_scores'].max()))
    # mmcv.imread gives BGR: the array that the PNG reads back as gives the same result
    by_array = inference_student(get_student(out), mmcv.imread(png))
    np.testing.assert_allclose(by_array['pred_scores'], by_path['pred_scores'], rtol=0, atol=1e-6)
    raw_array = inference_student(out, img)  # (28, 28) gray or (32, 32, 3) as the dataset gives it
    assert raw_array['pred_class'] == classes[raw_array['pred_label']]
    np.testing.assert_allclose(raw_array['pred_scores'], scores_by_hand(model, cfg, img).numpy(), rtol=0, atol=1e-5)


def test_mmpretrain_inferencer_and_feature_extractor_on_student_config(student, tmp_path):
    import mmcv
    from mmpretrain import FeatureExtractor, ImageClassificationInferencer

    from mmkd.apis import get_student, inference_student, student_config

    model, cfg, _, out = student
    classes = torch.load(out, weights_only=True)['meta']['dataset_meta']['classes']
    imgs = [image_for(cfg, seed) for seed in range(3)]
    png = str(tmp_path / 'image.png')
    mmcv.imwrite(imgs[0], png)

    inferencer = ImageClassificationInferencer(model=student_config(out), pretrained=out, device='cpu')
    results = inferencer([png, *imgs[1:]], batch_size=2)
    assert [r['pred_class'] for r in results] == [classes[r['pred_label']] for r in results]
    for img, r in zip(imgs[1:], results[1:]):
        np.testing.assert_allclose(r['pred_scores'], inference_student(out, img)['pred_scores'], rtol=0, atol=1e-6)
    # a built student works with it too (its _config and _dataset_meta)
    again = ImageClassificationInferencer(get_student(out))(png)[0]
    np.testing.assert_allclose(again['pred_scores'], results[0]['pred_scores'], rtol=0, atol=1e-6)

    extractor = FeatureExtractor(model=student_config(out), pretrained=out, device='cpu')
    channels = cfg.model.head.in_channels
    (pooled,) = extractor(png)[0]  # the neck's output: one pooled vector per image
    assert pooled.shape == (channels,)
    with torch.no_grad():
        want = model.extract_feat(preprocess_by_hand(cfg, imgs[0]))
        want_stages = model.extract_feat(preprocess_by_hand(cfg, imgs[0]), stage='backbone')
    torch.testing.assert_close(pooled, want[0][0], rtol=0, atol=1e-5)
    stages = extractor(png, stage='backbone')[0]
    assert [s.shape for s in stages] == [s.shape[1:] for s in want_stages] and stages[-1].shape[0] == channels


def test_errors_name_the_file_and_what_is_missing(demo, tmp_path):
    from mmkd.apis import export_student, get_student, inference_student, student_config

    model, cfg, raw, out = demo
    hint = r'tools/export_student\.py'
    for fn in (student_config, get_student, inference_student):
        args = (raw, image_for(cfg)) if fn is inference_student else (raw,)
        with pytest.raises(
            ValueError, match=rf"{re.escape(raw)} is a training checkpoint.*meta\['model_cfg'\].*{hint}"
        ):
            fn(*args)

    distiller = str(tmp_path / 'kd.pth')  # a distiller's checkpoint without any meta
    torch.save({'state_dict': {f'student.{k}': v for k, v in model.state_dict().items()}}, distiller)
    with pytest.raises(ValueError, match=rf'{re.escape(distiller)} is a training checkpoint.*{hint}'):
        get_student(distiller)

    plain = str(tmp_path / 'plain.pth')  # a bare state dict
    torch.save(model.state_dict(), plain)
    with pytest.raises(ValueError, match=rf'{re.escape(plain)} is not an exported student.*{hint}'):
        get_student(plain)

    no_meta = str(tmp_path / 'no_meta.pth')
    torch.save({'state_dict': model.state_dict()}, no_meta)
    with pytest.raises(ValueError, match=rf"{re.escape(no_meta)} has no meta, so no meta\['model_cfg'\].*{hint}"):
        student_config(no_meta)

    exported_bare = str(tmp_path / 'exported_bare.pth')  # exported from a checkpoint without a config
    export_student(no_meta, exported_bare)
    with pytest.raises(ValueError, match=rf"{re.escape(exported_bare)} has no meta\['model_cfg'\].*export notes: no"):
        get_student(exported_bare)

    with pytest.raises(FileNotFoundError, match=r'exported student .*missing\.pth does not exist'):
        get_student(str(tmp_path / 'missing.pth'))

    backbone = str(tmp_path / 'backbone.pth')
    export_student(raw, backbone, backbone_only=True)
    with pytest.raises(ValueError, match=rf'{re.escape(backbone)} holds backbone\.\* weights only.*--backbone-only'):
        get_student(backbone)


def test_a_missing_test_pipeline_is_named_and_can_be_given(demo, tmp_path):
    from mmkd.apis import export_student, get_student, inference_student, student_config

    model, cfg, raw, _ = demo
    state = torch.load(raw, weights_only=False)
    del state['meta']['cfg']  # the model config survives (ModelCfgMetaHook), the pipeline does not
    old = str(tmp_path / 'old.pth')
    torch.save(state, old)
    out = str(tmp_path / 'student.pth')
    meta = export_student(old, out)
    assert 'test_pipeline' not in meta and 'model_cfg' in meta
    with pytest.raises(ValueError, match=rf"{re.escape(out)} has no meta\['test_pipeline'\].*test_pipeline="):
        student_config(out)
    student = get_student(out)  # the weights alone need no pipeline
    with pytest.raises(ValueError, match='the model carries no test pipeline'):
        inference_student(student, image_for(cfg))

    pipeline = [dict(t) for t in cfg.test_pipeline]
    assert student_config(out, test_pipeline=pipeline).test_dataloader.dataset.pipeline == pipeline
    img = image_for(cfg)
    want = inference_student(get_student(out, test_pipeline=pipeline), img)
    given = str(tmp_path / 'given.pth')
    meta = export_student(old, given, test_pipeline=pipeline)
    assert meta['test_pipeline'] == pipeline and meta['test_pipeline_source'] == 'test_pipeline argument'
    torch.load(given, weights_only=True)
    np.testing.assert_allclose(inference_student(given, img)['pred_scores'], want['pred_scores'], rtol=0, atol=0)


def test_docs_snippets_run_as_written(demo, tmp_path):
    """Every python block of docs/inference.md, in a fresh interpreter (no default scope set), next to an
    exported student.pth and an image.png, as a user runs them after the export step."""
    import shutil

    import mmcv

    _, cfg, _, out = demo
    shutil.copy(out, tmp_path / 'student.pth')
    mmcv.imwrite(image_for(cfg), str(tmp_path / 'image.png'))
    with open(osp.join(REPO, 'docs', 'inference.md')) as f:
        blocks = re.findall(r'```python\n(.*?)```', f.read(), flags=re.S)
    assert len(blocks) >= 5
    # one interpreter for all blocks (its start-up, mostly imports, is most of the cost); each block gets its
    # own globals and no default scope, as in a fresh interpreter
    (tmp_path / 'blocks.json').write_text(json.dumps(blocks))
    runner = (
        'import json, sys\n'
        'from mmengine.registry import DefaultScope\n'
        "for i, block in enumerate(json.load(open('blocks.json'))):\n"
        '    DefaultScope._instance_dict.clear()\n'
        "    print(f'--- block {i}', flush=True)\n"
        "    exec(compile(block, f'docs/inference.md block {i}', 'exec'), {'__name__': '__main__'})\n"
    )
    proc = subprocess.run(
        [sys.executable, '-c', runner],
        cwd=tmp_path,
        env=dict(os.environ, OMP_NUM_THREADS='1'),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    assert f'--- block {len(blocks) - 1}' in proc.stdout
