"""The command line, run in-process (``main(argv)``) and, for exit codes, as a real process.

Training runs are short: one or two epochs of the MLP on the shipped MNIST sample, or a few
dozen images in IDX files written here. The shared run (``trained``) trains once per module.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import cli
from tinygrad_edu.data import DownloadError
from tinygrad_edu.models import build_model, lecture_parameters

ROOT = Path(__file__).resolve().parents[1]
EPOCH_LINE = re.compile(
    r"^epoch +(\d+)/(\d+)  train loss ([\d.]+)  val loss ([\d.]+)  val accuracy +([\d.]+)%"
    r"  ([\d.]+) s$", re.M)
RUN_FILES = ["loss.png", "metrics.json", "mistakes.png", "model.safetensors",
             "optimizer.safetensors"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def leftovers(folder: Path) -> list[str]:
    """Temporary files that an atomic write would have removed or renamed."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def visible(folder: Path) -> list[str]:
    """The files a user sees (the run's lock, .tinygrad-edu.lock, is hidden)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def accuracy_of(out: Path) -> tuple[float, np.ndarray]:
    """Reload the checkpoint into a fresh model, as a user would, and score it on the sample."""
    metadata = tg.load_metadata(out / "model.safetensors")
    model = build_model(metadata["model"])
    model.load_state_dict(tg.load(out / "model.safetensors"))
    _, test = tg.data.mnist_sample()
    images, labels = test.tensors
    images = cli.normalise(images, float(metadata["mean"]), float(metadata["std"]))
    with tg.no_grad():
        predicted = model(images).argmax(axis=1).numpy()
    return float((predicted == labels.numpy()).mean()), predicted


def write_idx(path: Path, array: np.ndarray) -> None:
    """An IDX file of unsigned bytes, gzipped: magic 0 0 8 ndim, then each size big-endian."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(size).to_bytes(4, "big") for size in array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def idx_folder(tmp_path: Path) -> Path:
    """A tiny data set in the published file names: 64 training and 32 test images."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "idx"
    folder.mkdir()
    for stem, count in (("train", 64), ("t10k", 32)):
        labels = rng.integers(0, 10, size=count)
        images = rng.integers(0, 50, size=(count, 28, 28))
        images[np.arange(count), labels * 2 + 4, 4:24] = 255  # a bar whose row is the label
        write_idx(folder / f"{stem}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{stem}-labels-idx1-ubyte.gz", labels)
    return folder


# -- a short training run, and what it leaves behind -------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("run") / "mlp"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli.main(["train", "--epochs", "2", "--out", str(out), "--quiet"])
    assert code == 0, buffer.getvalue()
    return out, buffer.getvalue()


def test_train_prints_one_line_per_epoch_and_the_note(trained: tuple[Path, str]) -> None:
    out, text = trained
    lines = EPOCH_LINE.findall(text)
    assert [(epoch, total) for epoch, total, *_ in lines] == [("1", "2"), ("2", "2")], text
    assert float(lines[-1][4]) > 85.0, text  # two epochs of the MLP: about 94 %
    assert "7,200 training, 800 validation and 2,000 test images" in text
    assert re.search(r"^finished: test loss [\d.]+  test accuracy [\d.]+% \([\d,]+ of 2,000\) "
                     r"after 2 epochs", text, re.M), text
    assert "2,000 held-out digits of the MNIST test set" in text
    assert "not comparable with the standard" in text
    assert f"checkpoint: {out / 'model.safetensors'}" in text


def test_train_writes_the_checkpoint_metrics_and_pictures(trained: tuple[Path, str]) -> None:
    out, text = trained
    assert visible(out) == RUN_FILES
    for picture in ("loss.png", "mistakes.png"):
        assert (out / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "mlp" and metrics["dataset"] == "mnist-sample"
    assert metrics["completed_epochs"] == 2 and metrics["epoch"] == [1, 2]
    for key in ("train_loss", "val_loss", "val_accuracy", "seconds"):
        assert len(metrics[key]) == 2 and all(value > 0 for value in metrics[key]), key
    assert 0.85 < metrics["test_accuracy"] < 1 and 0 < metrics["test_loss"] < 1
    assert metrics["val_fraction"] == 0.1 and metrics["val_size"] == 800
    assert metrics["train_loss"][1] < metrics["train_loss"][0]
    settings = metrics["settings"]
    assert settings["epochs"] == 2 and settings["batch_size"] == 32
    assert settings["optimizer"] == "sgd" and settings["lr"] == 0.02
    assert (metrics["train_size"], metrics["test_size"]) == (7200, 2000)
    assert "2,000 held-out digits" in metrics["note"]
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.shape == (10, 10) and matrix.sum() == 2000
    assert np.trace(matrix) / 2000 == pytest.approx(metrics["test_accuracy"])
    metadata = tg.load_metadata(out / "model.safetensors")
    assert metadata["model"] == "mlp" and metadata["epoch"] == "2"
    assert float(metadata["val_accuracy"]) == metrics["val_accuracy"][-1]
    assert float(metadata["test_accuracy"]) == metrics["test_accuracy"]
    assert float(metadata["mean"]) == metrics["normalisation"]["mean"]
    assert 0.12 < float(metadata["mean"]) < 0.14 and 0.29 < float(metadata["std"]) < 0.33


def test_the_checkpoint_reloads_with_the_accuracy_of_the_run(trained: tuple[Path, str]) -> None:
    out, _ = trained
    metrics = json.loads((out / "metrics.json").read_text())
    accuracy, _ = accuracy_of(out)
    assert accuracy == metrics["test_accuracy"]


def test_evaluate_gives_the_same_accuracy_and_a_full_confusion_matrix(
    trained: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = trained
    metrics = json.loads((out / "metrics.json").read_text())
    code, text, err = run(capsys, "evaluate", "--checkpoint", str(out / "model.safetensors"))
    assert code == 0, err
    correct, total = re.search(r"test accuracy [\d.]+% \(([\d,]+) of ([\d,]+)\)", text).groups()
    correct, total = int(correct.replace(",", "")), int(total.replace(",", ""))
    assert total == 2000 and correct / total == metrics["test_accuracy"]
    rows = re.findall(r"^ +(\d) +((?:\d+ +){9}\d+)$", text, re.M)
    matrix = np.array([[int(n) for n in counts.split()] for _, counts in rows])
    assert matrix.shape == (10, 10), text
    assert matrix.sum() == 2000 and np.trace(matrix) == correct
    assert matrix.tolist() == metrics["confusion_matrix"]
    assert "not comparable" in text


# -- Ctrl-C --------------------------------------------------------------------------------------
def interrupt_on_call(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    real = cli.training.train_one_epoch  # looked up in cli/training.py, by train()
    calls = []

    def train_one_epoch(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == number:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(cli.training, "train_one_epoch", train_one_epoch)


def test_ctrl_c_in_the_second_epoch_keeps_the_first_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    interrupt_on_call(monkeypatch, 2)
    out = tmp_path / "run"
    code, text, err = run(capsys, "train", "--epochs", "3", "--out", str(out))
    assert code == 130
    assert "Traceback" not in text + err
    assert "interrupted during epoch 2 of 3" in text
    assert f"last complete checkpoint is {out / 'model.safetensors'} (epoch 1" in text
    assert f"resume it: tinygrad-edu train --resume --out {out}" in text
    assert visible(out) == ["metrics.json", "model.safetensors", "optimizer.safetensors"]
    assert leftovers(out) == []
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["completed_epochs"] == 1 and len(metrics["val_accuracy"]) == 1
    assert metrics["test_accuracy"] is None  # the test set is scored once, at the end
    metadata = tg.load_metadata(out / "model.safetensors")
    assert metadata["epoch"] == "1" and "test_accuracy" not in metadata
    assert float(metadata["val_accuracy"]) == metrics["val_accuracy"][0]


def test_ctrl_c_in_the_first_epoch_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    interrupt_on_call(monkeypatch, 1)
    out = tmp_path / "run"
    code, text, _ = run(capsys, "train", "--out", str(out))
    assert code == 130
    assert "no epoch was completed, so no checkpoint was written" in text
    assert not out.exists()  # the folder this run made is removed again


def test_ctrl_c_while_saving_waits_until_both_files_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_save = tg.save

    def save_then_press_ctrl_c(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_save(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # between the checkpoint and metrics.json

    monkeypatch.setattr(tg, "save", save_then_press_ctrl_c)
    out = tmp_path / "run"
    code, text, _ = run(capsys, "train", "--epochs", "2", "--out", str(out))
    assert code == 130, text
    assert "interrupted during epoch 2 of 2" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["completed_epochs"] == 1
    assert tg.load_metadata(out / "model.safetensors")["epoch"] == "1"
    assert leftovers(out) == []


@pytest.mark.parametrize(
    ("where", "expected"),
    [("load_images", "tinygrad-edu: interrupted; nothing was written"),
     ("_write_plots", "interrupted after the last epoch; the checkpoint")],
)
def test_ctrl_c_before_and_after_the_epochs(
    where: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.training, where, interrupted)  # where train() looks it up
    code, text, err = run(capsys, "train", "--epochs", "1", "--out", str(tmp_path / "run"))
    assert code == 130 and expected in text + err
    assert "Traceback" not in err


# -- without matplotlib, with a progress bar, other data and models ------------------------------
def test_without_matplotlib_the_run_still_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.ticker"):
        monkeypatch.setitem(sys.modules, name, None)  # `import` now raises ImportError
    out = tmp_path / "run"
    code, text, err = run(capsys, "train", "--epochs", "1", "--out", str(out))
    assert code == 0, err
    assert 'pip install "tinygrad-edu[plot]"' in text
    assert visible(out) == ["metrics.json", "model.safetensors", "optimizer.safetensors"]


def test_progress_bar_on_a_terminal_unless_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, _, err = run(capsys, "train", "--model", "lecture", "--epochs", "1",
                       "--out", str(tmp_path / "bar"))
    assert code == 0 and "epoch 1/1" in err and "batch" in err
    code, _, err = run(capsys, "train", "--model", "lecture", "--epochs", "1", "--quiet",
                       "--out", str(tmp_path / "quiet"))
    assert code == 0 and err == ""


def test_lecture_prints_its_51_parameters_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lecture"
    code, text, err = run(capsys, "train", "--model", "lecture", "--epochs", "2", "--out",
                          str(out), "--backend", "cpu")
    assert code == 0, err
    printed = dict(re.findall(r"([ab]_\d+\^\d) = ([+-][\d.]+)", text))
    assert len(printed) == 51, text
    model = build_model("lecture")
    model.load_state_dict(tg.load(out / "model.safetensors"))
    named = lecture_parameters(model)
    assert sorted(p.name for p in named) == sorted(printed)
    for parameter in named:
        assert float(printed[parameter.name]) == pytest.approx(parameter.value, abs=1e-4)
    weights = model.state_dict()
    # a_23^2: layer 2 (model[2]), row 2, column 3; b_4^1: layer 1, bias of output 4
    assert float(printed["a_23^2"]) == pytest.approx(weights["2.weight"].numpy()[1, 2], abs=1e-4)
    assert float(printed["b_4^1"]) == pytest.approx(weights["0.bias"].numpy()[3], abs=1e-4)
    assert json.loads((out / "metrics.json").read_text())["settings"]["backend"] == "numpy"
    code, text, _ = run(capsys, "evaluate", "--checkpoint", str(out / "model.safetensors"))
    assert code == 0 and "200 samples" in text and "classes: 0 outside, 1 inside" in text


def test_fashion_mnist_from_a_folder_of_idx_files(
    idx_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fashion"
    code, text, err = run(capsys, "train", "--dataset", "fashion-mnist", "--data-dir",
                          str(idx_folder), "--model", "cnn", "--epochs", "1", "--out", str(out))
    assert code == 0, err
    assert "58 training, 6 validation and 32 test images" in text
    assert "not the standard 60,000/10,000" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data_dir"] == str(idx_folder) and metrics["settings"]["optimizer"] == "adam"
    code, text, err = run(capsys, "evaluate", "--checkpoint", str(out / "model.safetensors"),
                          "--data-dir", str(idx_folder))
    assert code == 0, err
    assert "32 samples" in text and "classes: 0 T-shirt/top, 1 Trouser" in text


# -- bad input: one line, what is wrong and what to do, no traceback -----------------------------
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
        (["--epochs", "two"], "argument --epochs: expected a whole number, got 'two'"),
        (["--lr", "0"], "argument --lr: must be a number above 0"),
        (["--lr", "-0.1"], "argument --lr: must be a number above 0"),
        (["--lr", "nan"], "argument --lr: must be a number above 0"),
        (["--batch-size", "0"], "argument --batch-size: must be at least 1"),
        (["--dataset", "cifar"], "argument --dataset: invalid choice: 'cifar'"),
        (["--model", "resnet"], "argument --model: invalid choice: 'resnet'"),
        (["--momentum", "1.5"], "argument --momentum: must be in [0, 1)"),
        (["--optimizer", "adam", "--momentum", "0.5"], "is for --optimizer sgd"),
        (["--data-dir", "x"], "mnist-sample ships inside the package"),
        (["--model", "lecture", "--dataset", "mnist"], "--model lecture trains on its own task"),
        (["--seed", "-1"], "argument --seed: must be 0 or more"),
        (["--seed", "abc"], "argument --seed: expected a whole number, got 'abc'"),
        (["--val-fraction", "0.9"], "argument --val-fraction: must be from 0 to 0.5"),
        (["--val-fraction", "nan"], "argument --val-fraction: must be from 0 to 0.5"),
        (["--threads", "0"], "argument --threads: must be at least 1"),
        (["--timeout", "-5"], "argument --timeout: must be a number of seconds above 0"),
        (["--resume", "--overwrite"], "argument --overwrite: not allowed with argument --resume"),
        (["--resume", "--lr", "0.1"], "--resume continues the run with its own settings; leave "
                                      "out --lr"),
    ],
)
def test_bad_arguments(argv: list[str], expected: str, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    code, text, err = run(capsys, "train", *argv, "--out", str(tmp_path / "run"))
    assert code == 2
    assert expected in err
    assert err.startswith("tinygrad-edu train: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and text == ""


def test_a_missing_data_folder_says_how_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "train", "--dataset", "mnist", "--data-dir",
                       str(tmp_path / "nowhere"), "--out", str(tmp_path / "run"))
    assert code == 1
    assert "does not exist" in err and "--data-dir" in err and "--download" in err
    assert not (tmp_path / "run").exists()  # no empty output folder left behind


def test_a_failed_download_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise DownloadError("could not reach any mirror (offline?); pass --data-dir instead")

    monkeypatch.setattr("tinygrad_edu.data.datasets.fetch_files", offline)
    code, _, err = run(capsys, "train", "--dataset", "mnist", "--download", "--data-dir",
                       str(tmp_path / "cache"), "--out", str(tmp_path / "run"))
    assert code == 1
    assert err == ("tinygrad-edu train: error: could not reach any mirror (offline?); pass "
                   "--data-dir instead\n")


def test_a_corrupt_data_file_is_reported(
    idx_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (idx_folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip, not IDX")
    code, _, err = run(capsys, "train", "--dataset", "mnist", "--data-dir", str(idx_folder),
                       "--out", str(tmp_path / "run"))
    assert code == 1 and "t10k-labels-idx1-ubyte.gz" in err and "Traceback" not in err


def test_an_unknown_backend_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "train", "--backend", "cupi", "--out", str(tmp_path / "run"))
    assert code == 1 and "Unknown backend 'cupi'" in err


def test_evaluate_rejects_a_checkpoint_of_another_architecture(
    trained: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = str(trained[0] / "model.safetensors")
    code, _, err = run(capsys, "evaluate", "--checkpoint", checkpoint, "--model", "cnn")
    assert code == 1
    assert "does not hold weights of the cnn model" in err
    assert "Missing key(s)" in err or "Unexpected key(s)" in err
    assert "Traceback" not in err
    # a checkpoint whose metadata names the wrong model
    wrong = tmp_path / "wrong.safetensors"
    tg.save(build_model("lecture").state_dict(), wrong, metadata={"model": "mlp"})
    code, _, err = run(capsys, "evaluate", "--checkpoint", str(wrong))
    assert code == 1 and "does not hold weights of the mlp model" in err


@pytest.mark.parametrize(
    ("contents", "code", "expected"),
    [
        (b"\x00" * 5, 1, "not a readable safetensors file"),
        (None, 1, "No checkpoint at"),
        ("no metadata", 2, "does not say which model it holds"),
    ],
)
def test_evaluate_reports_unusable_checkpoints(
    contents: bytes | str | None, code: int, expected: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.safetensors"
    if isinstance(contents, bytes):
        path.write_bytes(contents)
    elif contents is not None:
        tg.save(build_model("mlp").state_dict(), path)
    result, _, err = run(capsys, "evaluate", "--checkpoint", str(path))
    assert result == code and expected in err and err.count("\n") == 1, err


# -- as a real process ---------------------------------------------------------------------------
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is how Ctrl-C reaches a POSIX process")
def test_a_real_ctrl_c_stops_with_130_and_a_complete_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", "train", "--epochs", "200", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a shell may start background jobs with Ctrl-C ignored; a terminal's program has it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:  # wait for the first finished epoch
        lines.append(line)
        if line.startswith("epoch "):
            break
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=120)
    text = "".join(lines) + rest
    assert process.returncode == 130, text + err
    assert "Traceback" not in err, err
    done = int(re.search(r"holds epochs 1-(\d+)", text).group(1))
    assert done >= 1 and f"interrupted during epoch {done + 1} of 200" in text
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["completed_epochs"] == done
    assert tg.load_metadata(out / "model.safetensors")["epoch"] == str(done)
    assert leftovers(out) == []


def test_python_dash_m_exits_with_the_code_and_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "train", "--lr", "0", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr == ("tinygrad-edu train: error: argument --lr: must be a number above "
                             "0, such as 0.01, got 0; see 'tinygrad-edu train --help'\n")
    help_text = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "train", "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert help_text.returncode == 0
    assert "mlp      10 epochs, batch 32, SGD momentum 0.9, lr 0.02" in help_text.stdout
