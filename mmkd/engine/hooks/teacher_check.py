import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmkd.models.utils.labels import gt_labels
from mmkd.registry import HOOKS


@HOOKS.register_module()
class TeacherCheckHook(Hook):
    """Evaluate the frozen teacher once before training and log its top-1 accuracy.

    A teacher at chance level (an untrained or mismatched checkpoint) makes distillation silently
    useless, so it is reported loudly, or raised on with ``strict=True``.

    Args:
        max_batches (int, optional): evaluate at most this many val batches. Defaults to 20.
        chance_factor (float): accuracy below ``chance_factor / num_classes`` counts as chance.
            Defaults to 2.0.
        strict (bool): raise instead of warning. Defaults to False.
    """

    priority = 'LOW'

    def __init__(self, max_batches: int = 20, chance_factor: float = 2.0, strict: bool = False):
        self.max_batches = max_batches
        self.chance_factor = chance_factor
        self.strict = strict
        self.accuracy = None

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if getattr(model, 'teacher', None) is None:
            return
        loader = runner.val_loop.dataloader if runner.val_loop is not None else runner.train_dataloader
        correct = total = 0
        num_classes = None
        with torch.no_grad():
            for i, batch in enumerate(loader):
                if self.max_batches is not None and i >= self.max_batches:
                    break
                data = model.data_preprocessor(batch, False)
                logits = model.teacher_logits(data['inputs'])
                labels = gt_labels(data['data_samples'], logits.device)
                correct += (logits.argmax(1) == labels).sum().item()
                total += labels.numel()
                num_classes = logits.shape[1]
        if total == 0:
            runner.logger.warning('TeacherCheckHook: no data to evaluate the teacher on')
            return
        self.accuracy = 100.0 * correct / total
        runner.message_hub.update_info('teacher_accuracy', self.accuracy)
        runner.logger.info(f'Teacher top-1 accuracy before training: {self.accuracy:.2f}% on {total} images')
        chance = 100.0 / num_classes
        if self.accuracy < self.chance_factor * chance:
            msg = (
                f'The teacher is at chance level ({self.accuracy:.2f}% vs {chance:.2f}% chance for '
                f'{num_classes} classes): is model.teacher_ckpt the trained teacher for this dataset?'
            )
            if self.strict:
                raise RuntimeError(msg)
            runner.logger.warning('!' * 20 + ' ' + msg + ' ' + '!' * 20)
