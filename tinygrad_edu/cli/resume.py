"""What a checkpoint holds besides the weights, so that ``train --resume`` ends with the same
weights as a run never stopped: the settings, the optimizer's state (its tensors in
``optimizer.safetensors``), the learning-rate schedule, the shuffling's random state and the
metrics so far. Read back, all of it is checked as data from a file, never trusted."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg

from ..models import MODELS
from .folder import OPTIMIZER, _shown
from .output import CHECKPOINT
from .parser import DATASETS, CommandError

FORMAT = "tinygrad-edu train"


def optimizer_state(optimizer: tg.optim.Optimizer) -> tuple[dict[str, tg.Tensor], dict[str, Any]]:
    """The optimizer's state_dict split in two: its tensors, named ``state.INDEX.KEY`` (for
    ``optimizer.safetensors``), and the rest as JSON (groups, Adam's step counts)."""
    saved = optimizer.state_dict()
    tensors: dict[str, tg.Tensor] = {}
    numbers: dict[str, Any] = {}
    for index, values in saved["state"].items():
        for key, value in values.items():
            if isinstance(value, tg.Tensor):
                tensors[f"state.{index}.{key}"] = value
            else:
                numbers[f"{index}.{key}"] = value
    return tensors, {"param_groups": saved["param_groups"], "numbers": numbers}


def restore_optimizer(optimizer: tg.optim.Optimizer, tensors: dict[str, tg.Tensor],
                      rest: dict[str, Any]) -> None:
    state: defaultdict[int, dict[str, Any]] = defaultdict(dict)
    for name, tensor in tensors.items():
        _, index, key = name.split(".", 2)
        state[int(index)][key] = tensor
    for name, value in rest["numbers"].items():
        index, key = name.split(".", 1)
        state[int(index)][key] = value
    optimizer.load_state_dict({"state": dict(state), "param_groups": rest["param_groups"]})


def resume_metadata(settings: dict[str, Any], optimizer: dict[str, Any],
                    scheduler: tg.optim.lr_scheduler.LRScheduler,
                    rng: np.random.Generator) -> str:
    return json.dumps({"settings": settings, "optimizer": optimizer,
                       "scheduler": scheduler.state_dict(),
                       "rng": rng.bit_generator.state}, allow_nan=False)


def read_resume(folder: Path, metadata: dict[str, str]) -> dict[str, Any]:
    """The run's saved state, checked; a one-line CommandError for anything unusable."""
    where = folder / CHECKPOINT
    fix = "start it again with --overwrite (or choose another --out)"
    if not where.exists():
        raise CommandError(f"{folder} holds no checkpoint to continue (no epoch was completed "
                           "there); start the training without --resume")
    if metadata.get("format") != FORMAT or "resume" not in metadata:
        raise CommandError(f"{where} was not written by this version of 'tinygrad-edu train' "
                           f"(it holds no state to resume from); {fix}")
    try:
        state = json.loads(metadata["resume"])
        history = json.loads(metadata["metrics"])
        settings = state["settings"]
        checks = (
            settings["model"] in MODELS,
            settings["dataset"] in (*DATASETS, "ball"),
            (settings["dataset"] == "ball") == (settings["model"] == "lecture"),
            settings["optimizer"] in ("sgd", "adam"),
            all(type(settings[k]) is int and settings[k] >= 0
                for k in ("epochs", "batch_size", "seed")),
            isinstance(settings["lr"], float) and math.isfinite(settings["lr"]),
            isinstance(settings["val_fraction"], float | int),
            type(history["completed_epochs"]) is int,
            history["completed_epochs"] == int(metadata["epoch"]) <= settings["epochs"],
            isinstance(state["optimizer"]["param_groups"], list),
            isinstance(state["optimizer"]["numbers"], dict),
            isinstance(state["scheduler"], dict),
            isinstance(state["rng"], dict),
        )
    except (KeyError, TypeError, ValueError, RecursionError) as error:
        raise CommandError(f"{where} holds malformed resume state ({_shown(str(error), 80)}); "
                           f"{fix}") from None
    if not all(checks):
        raise CommandError(f"{where} holds resume state this version cannot use (an unknown "
                           f"model or data set, or numbers out of range); {fix}")
    token = metadata.get("checkpoint_id")
    try:
        optimizer_token = tg.load_metadata(folder / OPTIMIZER).get("checkpoint_id")
    except (OSError, tg.CheckpointError):
        optimizer_token = None
    if optimizer_token != token:
        raise CommandError(f"{folder / OPTIMIZER} is missing or belongs to another epoch than "
                           f"{where}, so the run cannot continue exactly; {fix}")
    return {**state, "history": history}
