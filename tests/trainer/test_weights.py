"""Pretrained weights as users expect them: torchvision's weights API and its hub
cache, a clear message when offline, a local .pth. No test downloads anything."""

import hashlib
import urllib.error
from types import SimpleNamespace

import pytest
import torch

from trainer.config import TrainConfig
from trainer.errors import CheckpointError, ConfigError, WeightsUnavailableError
from trainer.model import weights
from trainer.model.registry import build_model, resolve_arch
from trainer.model.weights import _coco_enum, cache_path, load_initial_weights


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


class CreatesMarker:
    """Unpickled in full, this object creates ``path``: proof that a file ran code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def hashed_file(folder, stem, obj):
    """``obj`` saved as torchvision names its files: ``stem-<first 8 hex digits of its sha256>.pth``."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "unnamed.pth"
    torch.save(obj, tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    return tmp.rename(folder / f"{stem}-{digest[:8]}.pth")


def pretend_published(monkeypatch, which, path):
    """Make ``_coco_enum`` / ``_imagenet_enum`` point at a file name we could produce ourselves."""
    fake = SimpleNamespace(url=f"https://download.pytorch.org/models/{path.name}")
    monkeypatch.setattr(weights, which, lambda arch: fake)


@pytest.mark.parametrize("which", ["coco", "imagenet"])
def test_a_planted_pickle_in_the_hub_cache_is_refused_and_runs_nothing(hub_dir, tmp_path, which):
    arch = fast_arch()
    target = cache_path(_coco_enum(arch) if which == "coco" else weights._imagenet_enum(arch))
    target.parent.mkdir(parents=True)
    marker = tmp_path / "code-ran"
    torch.save({"backbone.body.0.0.weight": CreatesMarker(marker)}, target)
    with pytest.raises(WeightsUnavailableError) as info:
        load_initial_weights(build_model(arch, 3), arch, which)
    assert not marker.exists()
    assert str(target) in str(info.value) and "not the file torchvision publishes" in str(info.value)


def test_a_planted_pickle_whose_name_matches_its_hash_still_runs_nothing(hub_dir, tmp_path, monkeypatch):
    # As if someone found a file whose sha256 starts with the published prefix (8 hex digits: feasible).
    arch = fast_arch()
    marker = tmp_path / "code-ran"
    planted = hashed_file(
        hub_dir / "checkpoints",
        "fasterrcnn_mobilenet_v3_large_320_fpn",
        {"backbone.body.0.0.weight": CreatesMarker(marker)},
    )
    pretend_published(monkeypatch, "_coco_enum", planted)
    with pytest.raises(WeightsUnavailableError, match="cannot be loaded safely") as info:
        load_initial_weights(build_model(arch, 3), arch, "coco")
    assert not marker.exists() and str(planted) in str(info.value)


def test_a_cache_file_matching_its_hash_is_loaded_and_the_count_reported(hub_dir, monkeypatch):
    arch = fast_arch()
    donor = build_model(arch, 3)
    cached = hashed_file(hub_dir / "checkpoints", "fasterrcnn_mobilenet_v3_large_320_fpn", donor.state_dict())
    pretend_published(monkeypatch, "_coco_enum", cached)
    model = build_model(arch, 3)
    messages = load_initial_weights(model, arch, "coco")
    name = "backbone.body.0.0.weight"
    assert torch.equal(model.state_dict()[name], donor.state_dict()[name])
    total = len(model.state_dict())
    assert f"loaded {total} of this model's {total} tensors; 0 start freshly initialised" in messages[0]
    assert cached.name in messages[0]
    assert any("mask head starts untrained" in m for m in messages)


def test_imagenet_backbone_reports_how_much_starts_fresh(hub_dir, monkeypatch):
    arch = resolve_arch(TrainConfig(model="fast", weights="imagenet", min_size=128, max_size=128))
    donor = build_model(arch, 3).state_dict()
    backbone = {
        "features." + k.removeprefix("backbone.body."): v for k, v in donor.items() if k.startswith("backbone.body.")
    }
    cached = hashed_file(hub_dir / "checkpoints", "mobilenet_v3_large", backbone)
    pretend_published(monkeypatch, "_imagenet_enum", cached)
    model = build_model(arch, 3)
    [message] = load_initial_weights(model, arch, "imagenet")
    total = len(model.state_dict())
    assert f"loaded {len(backbone)} of this model's {total} tensors; {total - len(backbone)} start fresh" in message
    name = "backbone.body.0.0.weight"
    assert torch.equal(model.state_dict()[name], donor[name])


def test_train_with_a_planted_cache_file_fails_without_starting(hub_dir, tmp_path, dataset):
    from trainer.run.engine import fit

    from .conftest import tiny_config

    cfg = tiny_config(dataset, dataset.parent / "images", tmp_path / "run", weights="coco")
    target = cache_path(_coco_enum(resolve_arch(cfg)))
    target.parent.mkdir(parents=True)
    marker = tmp_path / "code-ran"
    torch.save({"x": CreatesMarker(marker)}, target)
    events = list(fit(cfg))
    assert [e.kind for e in events] == ["failed"] and str(target) in events[0].reason
    assert not marker.exists()


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


def test_norm_choice_builds_those_layers_and_auto_follows_the_weights():
    from torch import nn
    from torchvision.ops.misc import FrozenBatchNorm2d

    from trainer.model.registry import NORM_LAYERS, SCRATCH_NORM

    def norms(weights, norm="auto", model="fast"):
        arch = resolve_arch(TrainConfig(model=model, weights=weights, norm=norm, min_size=128, max_size=128))
        return arch, {type(m) for m in build_model(arch, 3).backbone.modules()}

    kind = {"batch": nn.BatchNorm2d, "local": nn.BatchNorm2d, "group": nn.GroupNorm, "frozen": FrozenBatchNorm2d}
    arch, kinds = norms("none")
    assert arch["norm"] == SCRATCH_NORM and kind[SCRATCH_NORM] in kinds
    _, kinds = norms("coco")
    assert FrozenBatchNorm2d in kinds and nn.GroupNorm not in kinds
    for norm in NORM_LAYERS:
        arch, kinds = norms("coco" if norm == "frozen" else "none", norm)
        assert arch["norm"] == norm and kind[norm] in kinds and not (set(kind.values()) - {kind[norm]}) & kinds
        batch_norms = [m for m in build_model(arch, 3).backbone.modules() if isinstance(m, nn.BatchNorm2d)]
        assert all(m.track_running_stats == (norm != "local") for m in batch_norms)  # local: no running stats
    arch, kinds = norms("none", "group", model="maskrcnn_resnet50_fpn")
    assert nn.GroupNorm in kinds and nn.BatchNorm2d not in kinds
    # architectures saved before the key existed rebuild as they were trained: BatchNorm, or frozen
    del arch["norm"]
    arch["frozen_bn"] = False
    assert nn.BatchNorm2d in {type(m) for m in build_model(arch, 3).backbone.modules()}
    arch["frozen_bn"] = True
    assert FrozenBatchNorm2d in {type(m) for m in build_model(arch, 3).backbone.modules()}


def test_frozen_norm_from_scratch_is_refused_with_a_reason():
    with pytest.raises(ConfigError, match="'norm' frozen keeps pretrained BatchNorm statistics"):
        TrainConfig(coco={"images": []}, weights="none", norm="frozen").validate()
    with pytest.raises(ConfigError, match="'norm' must be one of auto, batch, local, group, frozen"):
        TrainConfig(coco={"images": []}, norm="layer").validate()


def test_a_warm_start_from_our_checkpoint_builds_the_network_it_was_trained_with(tmp_path):
    """A GroupNorm run from scratch, given as --weights FILE with the settings left open, is
    continued as GroupNorm with its own sizes, anchors and trainable layers, and every tensor fits
    (it used to be built with frozen BatchNorm and 3 trainable layers: the live model collapsed)."""
    from torch import nn

    from trainer.model.checkpoint import save_checkpoint

    trained = resolve_arch(
        TrainConfig(model="fast", weights="none", norm="group", min_size=160, max_size=224, aspect_ratios=[0.2, 1, 5])
    )
    path = save_checkpoint(
        {"model": build_model(trained, 3).state_dict(), "arch": trained, "class_names": ["a", "b"], "epoch": 3},
        tmp_path / "best.pth",
    )
    arch = resolve_arch(TrainConfig(model="fast", weights=str(path)))
    for key in ("norm", "min_size", "max_size", "anchor_sizes", "aspect_ratios", "trainable_backbone_layers"):
        assert arch[key] == trained[key], key
    model = build_model(arch, 3)
    assert nn.GroupNorm in {type(m) for m in model.backbone.modules()}
    [message] = load_initial_weights(model, arch, str(path))
    assert message.startswith(f"Loaded {len(model.state_dict())} of {len(model.state_dict())} tensors")
    # what the person sets still wins; another model or a plain state dict keeps the usual defaults
    assert resolve_arch(TrainConfig(model="fast", weights=str(path), norm="batch", min_size=320))["norm"] == "batch"
    assert resolve_arch(TrainConfig(model="fast", weights=str(path), min_size=320))["min_size"] == 320
    plain = tmp_path / "plain.pth"
    torch.save(build_model(trained, 3).state_dict(), plain)
    assert resolve_arch(TrainConfig(model="fast", weights=str(plain)))["norm"] == "frozen"
