"""Run one of mmpretrain's own tools on an mmkd config, as the config trains.

mmkd configs keep each fact (``num_classes``, ``data_root``, ``input_size``, the schedule length) once and
write the values derived from it when a run is built; mmpretrain's scripts read a config file as written.
This tool finalises the config (with ``--cfg-options`` applied first, so an override of a fact reaches
every value derived from it), writes the result to a temporary file and runs mmpretrain's script on it
in this process, with mmkd's modules registered under mmpretrain's scope. Distillers whose teacher or
classifier checkpoint is not set build with random frozen weights (and a warning): the tools measure or
evaluate the student, and a trained distiller checkpoint holds every weight they use.

Examples::

    python tools/mmpretrain_tool.py get_flops configs/demo/kd_resnet18-w32_resnet18-w16_1xb64-3e_fashion-mnist.py \\
        --shape 32
    python tools/mmpretrain_tool.py browse_dataset configs/demo/resnet18-w16_1xb64-3e_fashion-mnist.py \\
        --output-dir vis --not-show --phase train --show-number 8
    python tools/mmpretrain_tool.py confusion_matrix CONFIG CHECKPOINT --show-path cm.png
    python tools/mmpretrain_tool.py vis_cam IMAGE CONFIG CHECKPOINT --save-path cam.png
    python tools/mmpretrain_tool.py print_config CONFIG

Tools whose first argument is not the config (``vis_cam``: the image) name where the config goes in
:data:`TOOLS`. ``analyze_logs`` reads only logs and needs no config; it runs as well.
"""

import argparse
import contextlib
import os.path as osp
import runpy
import shutil
import sys
import tempfile

sys.path.insert(0, osp.dirname(osp.dirname(osp.realpath(__file__))))

import torch.nn as nn  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

# tool -> (script under mmpretrain/.mim/tools, position of the config among its positional arguments or None)
TOOLS = {
    'get_flops': ('analysis_tools/get_flops.py', 0),
    'confusion_matrix': ('analysis_tools/confusion_matrix.py', 0),
    'analyze_results': ('analysis_tools/analyze_results.py', 0),
    'eval_metric': ('analysis_tools/eval_metric.py', 0),
    'analyze_logs': ('analysis_tools/analyze_logs.py', None),
    'browse_dataset': ('visualization/browse_dataset.py', 0),
    'vis_cam': ('visualization/vis_cam.py', 1),
    'vis_scheduler': ('visualization/vis_scheduler.py', 0),
    'vis_tsne': ('visualization/vis_tsne.py', 0),
    'print_config': ('misc/print_config.py', 0),
}


def mmpretrain_tools_dir() -> str:
    """Where pip put mmpretrain's scripts (its package data, as mim uses them)."""
    import mmpretrain

    path = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools')
    if not osp.isdir(path):
        raise FileNotFoundError(f'mmpretrain has no tools folder at {path}: reinstall mmpretrain from its wheel')
    return path


def split_args(tool: str, rest: list) -> tuple:
    """(config path or None, index of it in ``rest``, ``rest`` without our ``--cfg-options``, the options)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None)
    ours, theirs = parser.parse_known_args(rest)
    position = TOOLS[tool][1]
    if position is None:
        return None, None, theirs, ours.cfg_options
    positional = [i for i, a in enumerate(theirs) if not a.startswith('-')]
    if len(positional) <= position:
        raise SystemExit(f'mmpretrain_tool {tool}: expected the config as positional argument {position + 1}')
    index = positional[position]
    return theirs[index], index, theirs, ours.cfg_options


def finalised_copy(config: str, cfg_options, folder: str, reads_image_files: bool = False) -> str:
    """The config as mmkd builds it, written as a plain config file under ``folder``.

    ``reads_image_files``: the tool feeds the test pipeline an image path (``vis_cam``); a pipeline that
    starts from decoded arrays (the Fashion-MNIST IDX files) gets a ``LoadImageFromFile`` in front.
    """
    from mmkd.apis.runner import load_config

    cfg = load_config(config, cfg_options)
    pipeline = ((cfg.get('test_dataloader') or {}).get('dataset') or {}).get('pipeline')
    if reads_image_files and pipeline and 'Load' not in str(pipeline[0].get('type')):
        pipeline.insert(0, dict(type='LoadImageFromFile'))
    out = osp.join(folder, osp.basename(config))
    cfg.dump(out)
    return out


class DeployedNetwork(nn.Module):
    """The network of a distiller that export takes, alone, with the distiller's data preprocessor:
    what ``get_flops`` should count and ``vis_cam`` should explain.

    Args:
        distiller (BaseClassifierModel): a built (and loaded) distiller; its teacher, branches and heads stay out.
    """

    def __init__(self, distiller: nn.Module):
        super().__init__()
        self.network = distiller.student
        self.data_preprocessor = distiller.data_preprocessor
        self._extract = type(distiller).extract_feat

    @property
    def student(self) -> nn.Module:
        return self.network

    @property
    def backbone(self) -> nn.Module:
        return self.network.backbone

    def extract_feat(self, inputs, stage: str = 'neck'):
        return self._extract(self, inputs, stage=stage)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        return self.network(inputs, data_samples, mode=mode)


@contextlib.contextmanager
def deployed_network():
    """mmpretrain's ``get_model`` gives a distiller's deployed network (get_flops counts the parameters of
    every module it is given, a teacher's too; vis_cam looks for ``model.backbone``)."""
    import mmpretrain
    import mmpretrain.apis

    from mmkd.models.distillers.base import BaseClassifierModel

    host = mmpretrain.apis.get_model

    def get_model(*args, **kwargs):
        model = host(*args, **kwargs)
        if isinstance(model, BaseClassifierModel):
            print(f'mmpretrain_tool: using {type(model).__name__}.student, the network export takes', flush=True)
            return DeployedNetwork(model)
        return model

    mmpretrain.get_model = mmpretrain.apis.get_model = get_model
    try:
        yield
    finally:
        mmpretrain.get_model = mmpretrain.apis.get_model = host


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ('-h', '--help') or argv[0] not in TOOLS:
        print(__doc__)
        print('tools:', ', '.join(TOOLS))
        if argv and argv[0] not in ('-h', '--help'):
            raise SystemExit(f'mmpretrain_tool: unknown tool {argv[0]!r}; choose one of {list(TOOLS)}')
        return
    tool, rest = argv[0], argv[1:]
    script = osp.join(mmpretrain_tools_dir(), TOOLS[tool][0])
    config, index, rest, cfg_options = split_args(tool, rest)

    from mmkd.models.distillers.base import allow_missing_checkpoints
    from mmkd.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    folder = tempfile.mkdtemp(prefix='mmkd-config-')
    try:
        if config is not None:
            rest[index] = finalised_copy(config, cfg_options, folder, reads_image_files=tool == 'vis_cam')
        elif cfg_options:
            raise SystemExit(f'mmpretrain_tool {tool}: takes no config, so --cfg-options has nothing to change')
        saved = sys.argv
        sys.argv = [script, *rest]
        try:
            deployed = deployed_network() if tool in ('get_flops', 'vis_cam') else contextlib.nullcontext()
            with allow_missing_checkpoints(), deployed:
                runpy.run_path(script, run_name='__main__')
        finally:
            sys.argv = saved
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
