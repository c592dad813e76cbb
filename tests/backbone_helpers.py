"""Helpers shared by the CIFAR-zoo backbone tests (test_backbones.py, test_densenet_cifar.py,
test_cifar_zoo_more.py). A module imports ``single_thread`` to have it apply to its own tests."""

import pytest
import torch


@pytest.fixture(autouse=True, scope='module')
def single_thread():
    """Tiny CPU workloads: avoid intra-op threading overhead/contention."""
    num_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(num_threads)


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def stage_outputs(net, img):
    """Every stage's raw output: the stem, then each stage on the one before."""
    x, outs = net.stem(img), []
    for stage in net.stages:
        x = stage(x)
        outs.append(x)
    return outs


def assert_stage_copy_refusals(net):
    """Stage 0 of a network with a fixed-width stem is copied only as it is (its stride, its input
    width); a later stage refuses a stride other than 1 or 2."""
    with pytest.raises(ValueError, match='stage 0'):
        net.make_stage(0, stride=2)
    with pytest.raises(ValueError, match='stage 0'):
        net.make_stage(0, in_channels=32)
    with pytest.raises(ValueError, match='stride'):
        net.make_stage(1, stride=4)
