from mmengine.hooks import Hook

from mmkd.registry import HOOKS
from mmkd.utils.config_data import plain_data


@HOOKS.register_module()
class ModelCfgMetaHook(Hook):
    """Store the model config as plain data in every checkpoint, as ``meta['mmkd_model_cfg']``.

    mmengine keeps the config only as python source (``meta['cfg']``), which must not be executed
    to read it back. ``tools/export_student.py`` reads this copy instead: the student's classifier
    config and the peer an online method evaluates (``eval_peer``).
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        from mmkd.apis.runner import model_config

        try:
            model_cfg = plain_data(model_config(runner.cfg))
        except TypeError as e:  # e.g. a class object as a type: the checkpoint just goes without it
            runner.logger.warning(f'ModelCfgMetaHook: model config not stored in the checkpoint: {e}')
            return
        checkpoint.setdefault('meta', {})['mmkd_model_cfg'] = model_cfg
