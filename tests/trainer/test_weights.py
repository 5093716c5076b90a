"""Pretrained weights as users expect them: torchvision's weights API and its hub
cache, a clear message when offline, a local .pth. No test downloads anything."""
import urllib.error

import pytest
import torch

from trainer.config import TrainConfig
from trainer.errors import CheckpointError, WeightsUnavailableError
from trainer.models import build_model, resolve_arch
from trainer.weights import _coco_enum, cache_path, load_initial_weights


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    """An empty torch hub cache, and no network: a download attempt fails as offline."""
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("Name or service not known")
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    yield tmp_path / "hub"
    torch.hub.set_dir(old)


def fast_arch():
    return resolve_arch(TrainConfig(model="fast", weights="coco", min_size=128, max_size=128))


def test_offline_and_not_cached_says_what_to_download_and_where(hub_dir):
    arch = fast_arch()
    enum = _coco_enum(arch)
    with pytest.raises(WeightsUnavailableError) as info:
        load_initial_weights(build_model(arch, 3), arch, "coco")
    message = str(info.value)
    assert enum.url in message
    assert str(hub_dir / "checkpoints" / enum.url.rsplit("/", 1)[-1]) in message
    assert "weights 'none'" in message


def test_cached_coco_weights_are_loaded_without_a_download(hub_dir):
    arch = fast_arch()
    donor = build_model(arch, 3)
    target = cache_path(_coco_enum(arch))
    target.parent.mkdir(parents=True)
    torch.save(donor.state_dict(), target)
    model = build_model(arch, 3)
    messages = load_initial_weights(model, arch, "coco")
    name = "backbone.body.0.0.weight"
    assert torch.equal(model.state_dict()[name], donor.state_dict()[name])
    assert any("mask head starts untrained" in m for m in messages)


def test_local_torchvision_state_dict(tmp_path):
    arch = fast_arch()
    donor = build_model(arch, 5)  # a different class count: the predictors are re-initialised
    path = tmp_path / "weights.pth"
    torch.save(donor.state_dict(), path)
    model = build_model(arch, 3)
    [message] = load_initial_weights(model, arch, str(path))
    assert "re-initialised for a different shape" in message
    name = "rpn.head.conv.0.0.weight"
    assert torch.equal(model.state_dict()[name], donor.state_dict()[name])


def test_a_pth_without_weights_is_a_clear_error(tmp_path):
    arch = fast_arch()
    path = tmp_path / "notes.pth"
    torch.save({"epoch": 3}, path)
    with pytest.raises(CheckpointError, match="holds no model weights"):
        load_initial_weights(build_model(arch, 3), arch, str(path))


def test_from_scratch_fast_model_uses_group_norm_and_pretrained_frozen_bn():
    from torch import nn
    from torchvision.ops.misc import FrozenBatchNorm2d

    def norms(weights):
        arch = resolve_arch(TrainConfig(model="fast", weights=weights, min_size=128, max_size=128))
        return arch, {type(m) for m in build_model(arch, 3).backbone.modules()}

    arch, kinds = norms("none")
    assert arch["norm"] == "group" and nn.GroupNorm in kinds and nn.BatchNorm2d not in kinds
    _, kinds = norms("coco")
    assert FrozenBatchNorm2d in kinds and nn.GroupNorm not in kinds
    # an architecture saved before the key existed rebuilds as it was trained: BatchNorm
    del arch["norm"]
    assert nn.BatchNorm2d in {type(m) for m in build_model(arch, 3).backbone.modules()}
