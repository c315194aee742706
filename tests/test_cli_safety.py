"""Never lose a good run (issue 16), through the command line as a user meets it: a diverging
loss, kills at every moment of a save, SIGTERM, a busy or reused output folder, --resume to the
same weights, a closed stdout, hostile checkpoint metadata, and one error line for bad input.

Most runs use the lecture network (51 parameters, 800 points: well under a second an epoch).
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import cli
from tinygrad_edu.models import build_model

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ("train", "--model", "lecture", "--quiet")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def python(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def one_error_line(err: str, command: str = "train") -> str:
    assert err.startswith(f"tinygrad-edu {command}: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def weights(folder: Path) -> dict[str, np.ndarray]:
    return {name: t.numpy() for name, t in tg.load(folder / "model.safetensors").items()}


def strict(path: Path) -> dict:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{path} holds {constant}, which is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def consistent(folder: Path) -> int:
    """The checkpoint, its optimizer state and metrics.json describe the same epoch."""
    metadata = tg.load_metadata(folder / "model.safetensors")
    metrics = strict(folder / "metrics.json")
    optimizer = tg.load_metadata(folder / "optimizer.safetensors")
    assert metrics["checkpoint_id"] == metadata["checkpoint_id"] == optimizer["checkpoint_id"]
    assert metrics["completed_epochs"] == int(metadata["epoch"]) == len(metrics["epoch"])
    return metrics["completed_epochs"]


def break_weights_on_call(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """Epoch ``number`` starts from an infinite weight, as a too-large step leaves one."""
    real = cli.training.train_one_epoch
    calls = []

    def train_one_epoch(model, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == number:
            with tg.no_grad():
                next(iter(model.parameters())).fill_(float("inf"))
        return real(model, *args, **kwargs)

    monkeypatch.setattr(cli.training, "train_one_epoch", train_one_epoch)


# -- divergence -------------------------------------------------------------------------------
def test_a_huge_learning_rate_stops_with_exit_3_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code, text, err = run(capsys, "train", "--lr", "1e6", "--epochs", "2", "--out", str(out),
                          "--quiet")
    assert code == 3, err
    one_error_line(err)
    assert re.search(r"the loss became (nan|inf) at epoch 1, step \d+;", err), err
    assert "no checkpoint was written" in err and "--lr 100000" in err
    assert "RuntimeWarning" not in err
    assert not out.exists()  # the folder this run made holds nothing: it is gone


def test_divergence_keeps_the_last_good_checkpoint_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    break_weights_on_call(monkeypatch, 2)
    code, text, err = run(capsys, *LECTURE, "--epochs", "3", "--out", str(out))
    assert code == 3
    one_error_line(err)
    assert "at epoch 2, step 1" in err
    assert f"the last good checkpoint {out / 'model.safetensors'} (epoch 1) is kept" in err
    assert consistent(out) == 1
    assert all(np.isfinite(w).all() for w in weights(out).values())
    assert "NaN" not in (out / "metrics.json").read_text()


def test_metrics_json_is_strict_json_with_null_for_what_is_not_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code, text, err = run(capsys, *LECTURE, "--epochs", "1", "--val-fraction", "0",
                          "--out", str(out))
    assert code == 0, err
    assert "no validation part (--val-fraction 0)" in text
    assert re.search(r"^epoch 1/1  train loss [\d.]+  [\d.]+ s$", text, re.M), text
    assert "val loss" not in text
    metrics = strict(out / "metrics.json")
    assert metrics["val_loss"] == [None] and metrics["val_accuracy"] == [None]
    assert metrics["val_size"] == 0 and metrics["val_fraction"] == 0.0
    assert ' "val_loss": [\n    null\n  ]' in (out / "metrics.json").read_text()
    assert cli.output.strict_json({"x": [float("nan"), float("-inf"), 1.5]}) == (
        '{\n  "x": [\n    null,\n    null,\n    1.5\n  ]\n}\n')


# -- kills at every moment of a save, SIGTERM, temporary files ---------------------------------
KILL_AT_EVERY_STEP = textwrap.dedent("""
    # One process imports once, then forks a child per kill point: the child trains and is
    # killed with kill -9 (no handler, no clean-up runs) at the Nth change it makes to the
    # file system inside a commit (a rename, a link, a new or removed file or folder).
    import json, os, sys
    from tinygrad_edu.cli import folder, main
    mode, base, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    state = {"kill_at": 0, "steps": 0, "in_commit": False, "per_commit": []}

    def counted(name, real):
        def call(*args, **kwargs):
            if name == "symlink" and mode == "renames":  # as on Windows without the privilege
                raise OSError(1, "Operation not permitted")
            if state["in_commit"]:
                state["steps"] += 1
                if state["steps"] == state["kill_at"]:
                    os.kill(os.getpid(), 9)
            return real(*args, **kwargs)
        return call

    for name in ("replace", "rename", "symlink", "link", "mkdir", "unlink", "rmdir"):
        setattr(os, name, counted(name, getattr(os, name)))
    commit = folder.RunFolder.commit

    def counting_commit(self, *args, **kwargs):
        state["in_commit"], before = True, state["steps"]
        try:
            return commit(self, *args, **kwargs)
        finally:
            state["in_commit"] = False
            state["per_commit"].append(state["steps"] - before)

    folder.RunFolder.commit = counting_commit

    def child(kill_at, out):
        pid = os.fork()
        if pid == 0:
            state["kill_at"] = kill_at
            sys.stdout = open(os.devnull, "w")
            code = main([*argv, "--out", out])
            with open(os.path.join(base, "steps.json"), "w") as file:
                json.dump(state["per_commit"], file)
            os._exit(code)
        return os.waitpid(pid, 0)[1]

    assert child(0, os.path.join(base, "whole")) == 0  # counts the steps of every commit
    with open(os.path.join(base, "steps.json")) as file:
        per_commit = json.load(file)
    kills = range(1, per_commit[0] + per_commit[1] + 1)  # every step of epochs 1 and 2
    statuses = {k: child(k, os.path.join(base, f"killed-{k}")) for k in kills}
    print(json.dumps({"per_commit": per_commit, "statuses": statuses}))
""")


def no_link_leads_nowhere(folder: Path) -> None:
    for path in folder.iterdir():
        assert not (path.is_symlink() and not path.exists()), f"{path} leads nowhere"


def all_names_or_none(folder: Path) -> bool:
    """What a user reads right after a kill: the checkpoint, its optimizer state and metrics
    all there, or none of them (before the first commit the names may be links that lead
    nowhere yet, which read as no run). Returns whether they are there."""
    there = {name: (folder / name).exists()
             for name in ("model.safetensors", "optimizer.safetensors", "metrics.json")}
    assert len(set(there.values())) == 1, there
    return there["model.safetensors"]


def killed_at_every_step(tmp_path: Path, mode: str) -> tuple[list[int], dict[int, Path]]:
    """Train 3 epochs once whole, then once per step of the first two commits, killed there."""
    result = python("-c", KILL_AT_EVERY_STEP, mode, str(tmp_path), *LECTURE, "--epochs", "3",
                    "--threads", "1", timeout=600,
                    env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for kill_at, status in report["statuses"].items():
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9, (kill_at, status)
    return report["per_commit"], {int(k): tmp_path / f"killed-{k}" for k in report["statuses"]}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kill -9 at every step needs os.fork (POSIX)")
def test_a_kill_at_any_step_of_a_commit_leaves_a_consistent_pair_that_resumes_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    per_commit, killed = killed_at_every_step(tmp_path, "links")
    whole = tmp_path / "whole"
    assert per_commit[0] >= 8 and per_commit[1] >= 6, per_commit  # the steps were counted
    assert (whole / "model.safetensors").is_symlink() and consistent(whole) == 3
    seen_in_epoch_2 = set()
    for kill_at, out in killed.items():
        # what a user reads right after the kill, through the names they know
        if all_names_or_none(out):
            done = consistent(out)  # the checkpoint, its optimizer state and metrics agree
            if kill_at <= per_commit[0]:
                assert done == 1, kill_at
            else:
                seen_in_epoch_2.add(done)
        else:  # killed inside the first commit: no checkpoint yet
            assert kill_at <= per_commit[0], kill_at
        # the next start cleans up and continues (or, with nothing saved, starts again)
        resume = ("--resume",) if os.path.lexists(out / ".current") else (
            "--model", "lecture", "--epochs", "3")
        code, _, err = run(capsys, "train", *resume, "--out", str(out), "--quiet",
                           "--threads", "1")
        assert code == 0, (kill_at, err)
        assert consistent(out) == 3
        assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
        assert len(list(out.glob(".epoch-*"))) == 1, kill_at  # stale epochs are gone
        for name, array in weights(whole).items():
            np.testing.assert_array_equal(weights(out)[name], array, err_msg=f"{kill_at} {name}")
    assert seen_in_epoch_2 == {1, 2}  # before the swap epoch 1, after it epoch 2, nothing else


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kill -9 at every step needs os.fork (POSIX)")
def test_without_symbolic_links_a_kill_at_any_rename_still_resumes_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # os.symlink refuses (as on Windows without the privilege): files renamed into place
    per_commit, killed = killed_at_every_step(tmp_path, "renames")
    whole = tmp_path / "whole"
    assert not (whole / "model.safetensors").is_symlink() and consistent(whole) == 3
    assert not os.path.lexists(whole / ".current")
    for kill_at, out in killed.items():
        resume = ("--resume",) if (out / "model.safetensors").exists() else (
            "--model", "lecture", "--epochs", "3", "--overwrite")  # no checkpoint was saved
        code, _, err = run(capsys, "train", *resume, "--out", str(out), "--quiet",
                           "--threads", "1")
        assert code == 0, (kill_at, err)
        assert consistent(out) == 3  # the older layout, continued with links
        assert (out / "model.safetensors").is_symlink()
        assert not (out / ".optimizer-previous.safetensors").exists()
        assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
        for name, array in weights(whole).items():
            np.testing.assert_array_equal(weights(out)[name], array, err_msg=f"{kill_at} {name}")


def test_stale_temporary_files_are_removed_at_the_next_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    for name in (".model.safetensors.1a2b.tmp", ".metrics.json.3c4d.tmp"):
        (out / name).write_bytes(b"half written")
    stale = out / ".epoch-0001-0123456789abcdef"  # an epoch a kill left before its commit
    stale.mkdir()
    (stale / "model.safetensors").write_bytes(b"half written")
    (out / ".current.5e6f.tmp").symlink_to(stale.name)
    code, _, err = run(capsys, *LECTURE, "--epochs", "2", "--out", str(out))
    assert code == 0, err
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert not stale.exists() and len(list(out.glob(".epoch-*"))) == 1
    assert consistent(out) == 2
    # killed in the first commit after .current was switched, before the names were linked
    (out / "model.safetensors").unlink()
    (out / "metrics.json").unlink()
    code, _, err = run(capsys, "train", "--resume", "--out", str(out))
    assert code == 0, err  # the next start links the names again: the run is complete
    assert consistent(out) == 2 and (out / "model.safetensors").is_symlink()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
def test_sigterm_stops_like_ctrl_c_with_143_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", *LECTURE, "--epochs", "500", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("epoch "):
            break
    process.terminate()
    rest, err = process.communicate(timeout=120)
    assert process.returncode == 143, rest + err
    assert "Traceback" not in err
    assert re.search(r"stopped by SIGTERM during epoch \d+ of 500", rest), rest
    done = consistent(out)
    assert f"the last complete checkpoint is {out / 'model.safetensors'} (epoch {done}" in rest
    assert f"resume it: tinygrad-edu train --resume --out {out}" in rest
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_resume_ends_with_the_weights_of_an_uninterrupted_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    argv = (*LECTURE, "--epochs", "3", "--threads", "1", "--optimizer", "adam")
    assert run(capsys, *argv, "--out", str(whole))[0] == 0
    real = cli.training.train_one_epoch
    calls = []

    def stop_in_epoch_2(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(cli.training, "train_one_epoch", stop_in_epoch_2)
    code, text, _ = run(capsys, *argv, "--out", str(parts))
    assert code == 130 and f"resume it: tinygrad-edu train --resume --out {parts}" in text
    monkeypatch.setattr(cli.training, "train_one_epoch", real)
    code, text, err = run(capsys, "train", "--resume", "--out", str(parts), "--threads", "1")
    assert code == 0, err
    assert "resuming after epoch 1 of 3" in text and "epoch 1/3" not in text
    for name, array in weights(whole).items():
        np.testing.assert_array_equal(weights(parts)[name], array, err_msg=name)
    a, b = strict(whole / "metrics.json"), strict(parts / "metrics.json")
    for key in ("train_loss", "val_loss", "val_accuracy", "test_accuracy", "confusion_matrix"):
        assert a[key] == b[key], key


# -- the output folder ------------------------------------------------------------------------
def test_a_second_training_into_a_busy_folder_refuses_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", *LECTURE, "--epochs", "500", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("epoch "):
                break
        for argv in (LECTURE, ("train", "--resume"), (*LECTURE, "--overwrite")):
            code, _, err = run(capsys, *argv, "--out", str(out))
            assert code == 1, err
            one_error_line(err)
            assert f"in use by another training (process {process.pid})" in err
            no_link_leads_nowhere(out)  # the refused runs removed nothing of the live one
    finally:
        process.kill()
        process.communicate(timeout=60)
    assert consistent(out) >= 1
    assert len(list(out.glob(".epoch-*"))) in (1, 2)  # the current one (and one being written)


def test_an_explicit_out_with_a_run_refuses_unless_resume_or_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert run(capsys, *LECTURE, "--epochs", "1", "--out", str(out))[0] == 0
    assert (out / "loss.png").exists()
    before = (out / "model.safetensors").read_bytes()
    code, _, err = run(capsys, *LECTURE, "--epochs", "1", "--out", str(out))
    assert code == 2
    assert "holds another run; continue it with --resume, replace it with --overwrite" in err
    assert (out / "model.safetensors").read_bytes() == before
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.ticker"):
        monkeypatch.setitem(sys.modules, name, None)  # no pictures this time
    old_epoch = os.readlink(out / ".current")
    code, _, err = run(capsys, *LECTURE, "--epochs", "2", "--out", str(out), "--overwrite")
    assert code == 0, err
    assert not (out / "loss.png").exists()  # the old run's picture went with it
    assert consistent(out) == 2
    assert not (out / old_epoch).exists() and len(list(out.glob(".epoch-*"))) == 1


def test_a_folder_of_the_older_layout_evaluates_resumes_and_is_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    whole, out = tmp_path / "whole", tmp_path / "run"
    argv = (*LECTURE, "--epochs", "3", "--threads", "1")
    assert run(capsys, *argv, "--out", str(whole))[0] == 0
    # the previous version's folder: the files themselves, renamed into place (as is still
    # done where symbolic links cannot be made)
    monkeypatch.setattr(cli.layout, "links_work", lambda folder: False)
    real, calls = cli.training.train_one_epoch, []

    def stop_in_epoch_2(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(cli.training, "train_one_epoch", stop_in_epoch_2)
    assert run(capsys, *argv, "--out", str(out))[0] == 130
    monkeypatch.undo()
    assert not (out / "model.safetensors").is_symlink() and consistent(out) == 1
    assert not os.path.lexists(out / ".current")
    code, text, err = run(capsys, "evaluate", "--checkpoint", str(out / "model.safetensors"))
    assert code == 0 and "lecture, 1 epoch on ball" in text, err
    code, text, err = run(capsys, "train", "--resume", "--out", str(out), "--threads", "1")
    assert code == 0, err
    assert all((out / name).is_symlink() for name in (
        "model.safetensors", "optimizer.safetensors", "metrics.json"))
    assert consistent(out) == 3 and len(list(out.glob(".epoch-*"))) == 1
    for name, array in weights(whole).items():
        np.testing.assert_array_equal(weights(out)[name], array, err_msg=name)
    code, _, err = run(capsys, *LECTURE, "--epochs", "1", "--out", str(out), "--overwrite")
    assert code == 0, err
    assert consistent(out) == 1 and len(list(out.glob(".epoch-*"))) == 1


def test_without_out_every_run_gets_a_fresh_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for expected in ("lecture", "lecture-2", "lecture-3"):
        code, text, err = run(capsys, *LECTURE, "--epochs", "1")
        assert code == 0, err
        assert f"checkpoint: {Path('runs') / expected / 'model.safetensors'}" in text
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "lecture", "lecture-2", "lecture-3"]


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(),
                    reason="needs Linux's /proc/self/fdinfo, a folder no one may write into")
def test_a_read_only_out_is_reported_before_training(
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, text, err = run(capsys, *LECTURE, "--out", "/proc/self/fdinfo")
    assert code == 1 and text == ""
    one_error_line(err)
    assert "cannot write into the output folder /proc/self/fdinfo" in err


def test_a_full_disk_is_named_and_the_last_checkpoint_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    real_save, saves = tg.save, []

    def save(state, path, metadata=None):  # type: ignore[no-untyped-def]
        saves.append(path)
        if len(saves) > 2:  # epoch 1: optimizer and model; then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(state, path, metadata=metadata)

    monkeypatch.setattr(tg, "save", save)
    code, _, err = run(capsys, *LECTURE, "--epochs", "3", "--out", str(out))
    assert code == 1
    one_error_line(err)
    assert f"the disk is full: cannot save the checkpoint into {out}" in err
    assert f"continue it: tinygrad-edu train --resume --out {out}" in err
    assert consistent(out) == 1
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert len(list(out.glob(".epoch-*"))) == 1  # the half-written epoch 2 is gone


def test_a_failed_picture_does_not_fail_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from matplotlib.figure import Figure

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", broken)
    out = tmp_path / "run"
    code, text, err = run(capsys, *LECTURE, "--epochs", "1", "--out", str(out))
    assert code == 0
    assert "warning: the pictures were not drawn" in err and "No space left" in err
    assert consistent(out) == 1 and not (out / "loss.png").exists()


# -- stdout closed, --version, help, spelling ----------------------------------------------------
def test_a_closed_stdout_does_not_stop_training(tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", *LECTURE, "--epochs", "3", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()  # as `| head -1` does, then the reader goes away
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, err
    assert err == ""
    assert consistent(out) == 3 and (out / "loss.png").exists()


def test_the_backends_listing_into_a_closed_pipe() -> None:
    process = subprocess.Popen([sys.executable, "-m", "tinygrad_edu.backends"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) in (0, 1) and "Traceback" not in err, err
    assert "BrokenPipe" not in err


def test_version_and_a_bare_command() -> None:
    version = python("-m", "tinygrad_edu", "--version")
    assert version.returncode == 0 and version.stdout == f"tinygrad-edu {tg.__version__}\n"
    bare = python("-m", "tinygrad_edu")
    assert bare.returncode == 0 and bare.stderr == ""
    assert bare.stdout.startswith("usage: tinygrad-edu") and "train" in bare.stdout
    assert "3 diverged" in bare.stdout and "143 SIGTERM" in bare.stdout


def test_one_epoch_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, err = run(capsys, *LECTURE, "--epochs", "1", "--out", str(tmp_path / "run"))
    assert code == 0, err
    assert "\n1 epoch, batch size 8" in text and "after 1 epoch, " in text
    assert "1 epochs" not in text
    code, text, err = run(capsys, "evaluate", "--checkpoint",
                          str(tmp_path / "run" / "model.safetensors"))
    assert code == 0 and "lecture, 1 epoch on ball" in text


@pytest.mark.parametrize("spelling", ["cpu", "numpy", "cuda"])
def test_backend_spellings_from_the_environment(
    spelling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TINYGRAD_EDU_BACKEND", spelling)
    code, text, err = run(capsys, *LECTURE, "--epochs", "1", "--out", str(tmp_path / "run"))
    if spelling == "cuda" and "cupy" not in tg.available_backends():
        assert code == 1
        one_error_line(err)
        assert "asked for as 'cuda', from TINYGRAD_EDU_BACKEND" in err
    elif spelling != "cuda":
        assert code == 0, err
        assert "backend numpy" in text
    assert "use_backend()" not in err and "backend=" not in err


def test_threads_default_to_one_and_follow_threads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tg.get_num_threads()
    code, text, _ = run(capsys, *LECTURE, "--epochs", "1", "--out", str(tmp_path / "a"))
    assert code == 0 and ", 1 thread\n" in text
    assert strict(tmp_path / "a" / "metrics.json")["settings"]["threads"] == 1
    code, text, _ = run(capsys, *LECTURE, "--epochs", "1", "--out", str(tmp_path / "b"),
                        "--threads", "2")
    assert code == 0 and ", 2 threads\n" in text
    assert tg.get_num_threads() == before  # the process's count is given back


# -- checkpoint metadata is data, not instructions --------------------------------------------
def checkpoint(tmp_path: Path, architecture: str = "mlp", **metadata: str) -> Path:
    path = tmp_path / "given.safetensors"
    fields = {"model": architecture, "dataset": "mnist-sample", "epoch": "1", "seed": "0",
              "mean": "0.13", "std": "0.31", **metadata}
    tg.save(build_model(architecture).state_dict(), path, metadata=fields)
    return path


@pytest.mark.parametrize(("model", "metadata", "expected"), [
    ("lecture", {"seed": "abc"}, "holds a malformed seed in its metadata ('abc'"),
    ("mlp", {"epoch": "-1"}, "holds a malformed epoch in its metadata ('-1'"),
    ("mlp", {"std": "0"}, "unusable normalisation (mean '0.13', std '0')"),
    ("mlp", {"mean": "nan"}, "unusable normalisation (mean 'nan', std '0.31')"),
    ("mlp", {"std": "lots"}, "unusable normalisation"),
    ("mlp", {"dataset": "cifar"}, "says it was trained on 'cifar', which this version does not"),
    ("mlp", {"dataset": "\x1b[31mred"}, r"trained on '\x1b[31mred', which"),
    ("mlp", {"model": "\x1b]0;pwned\x07"}, r"a model called '\x1b]0;pwned\x07', which"),
])
def test_malformed_or_hostile_metadata_is_one_error_line(
    model: str, metadata: dict[str, str], expected: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    path = checkpoint(tmp_path, model, **metadata)
    code, text, err = run(capsys, "evaluate", "--checkpoint", str(path))
    assert code == 1, err
    one_error_line(err, "evaluate")
    assert expected in err
    assert "\x1b" not in err + text and "\x07" not in err + text


def test_evaluate_uses_a_data_dir_only_when_the_user_gives_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "made-by-the-file"
    path = checkpoint(tmp_path, dataset="mnist", data_dir=str(elsewhere))
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "cache"))
    asked: list[Path] = []

    def fetch(folder, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(Path(folder))
        raise tg.data.DownloadError("offline (in this test)")

    monkeypatch.setattr(tg.data, "fetch_files", fetch)
    code, text, err = run(capsys, "evaluate", "--checkpoint", str(path), "--download")
    assert code == 1 and "offline (in this test)" in err
    assert asked == [tmp_path / "cache" / "mnist"] and not elsewhere.exists()
    assert f"the run read its data from {elsewhere}; this reads the cache folder" in text


def test_evaluate_reads_only_the_test_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinygrad_edu.data import datasets

    out = tmp_path / "run"
    assert run(capsys, *LECTURE, "--epochs", "1", "--out", str(out))[0] == 0
    path = checkpoint(tmp_path)
    read: list[str] = []
    real = datasets.read_idx

    def recording(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.append(Path(file).name)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(datasets, "read_idx", recording)
    code, text, err = run(capsys, "evaluate", "--checkpoint", str(path))
    assert code == 0, err
    assert read and all(name.startswith("t10k") for name in read), read


def with_training_files(name: str) -> Path | None:
    """A folder holding all four files of the data set, if this machine has one."""
    from tinygrad_edu.data import datasets

    for folder in (tg.data.data_home() / datasets.SOURCES[name].folder,
                   Path("/usr/share/datasets") / name):
        if all(any((folder / f"{stem}{ext}").is_file() for ext in ("", ".gz"))
               for stem in (*datasets.TRAIN, *datasets.TEST)):
            return folder
    return None


@pytest.mark.parametrize("name", ["mnist-sample", "mnist", "fashion-mnist"])
def test_the_table_of_training_statistics_is_what_the_data_gives(name: str) -> None:
    if name == "mnist-sample":
        train, _ = tg.data.mnist_sample()
    else:
        folder = with_training_files(name)
        if folder is None:
            pytest.skip(f"needs the four {name} files (train-images-idx3-ubyte[.gz] ...) in "
                        f"{tg.data.data_home()} or /usr/share/datasets/{name}")
        train, _ = cli.load_images(name, folder, False)
    images = train.tensors[0].numpy().astype(np.float64)
    mean, std = cli.inputs.TRAINING_STATISTICS[name]
    assert abs(images.mean() - mean) < 1e-6 and abs(images.std() - std) < 1e-6
    assert cli.statistics(train.tensors[0]) == pytest.approx((mean, std), abs=1e-6)


def test_evaluate_without_a_normalisation_reads_only_the_test_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinygrad_edu.data import datasets

    folder = tmp_path / "idx"  # all four files: 40 training and 20 test images
    folder.mkdir()
    rng = np.random.default_rng(0)
    for stem, count in zip((*datasets.TRAIN, *datasets.TEST), (40, 40, 20, 20), strict=True):
        shape = (count, 28, 28) if "images" in stem else (count,)
        array = rng.integers(0, 256 if "images" in stem else 10, shape, dtype=np.uint8)
        write_idx(folder / f"{stem}.gz", bytes([0, 0, 8, len(shape)]) + b"".join(
            size.to_bytes(4, "big") for size in shape), array.tobytes())
    model = build_model("mlp")
    path = tmp_path / "own.safetensors"  # saved by a user's own loop: no mean or std
    tg.save(model.state_dict(), path, metadata={"model": "mlp", "dataset": "mnist"})
    read: list[str] = []
    real = datasets.read_idx

    def recording(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.append(Path(file).name)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(datasets, "read_idx", recording)
    code, text, err = run(capsys, "evaluate", "--checkpoint", str(path), "--data-dir",
                          str(folder))
    assert code == 0, err
    assert read and all(name.startswith("t10k") for name in read), read
    assert "holds no normalisation; using the mnist training set's mean 0.1307 and std " \
           "0.3081" in text
    _, test = tg.data.mnist(root=folder)  # scored by hand, normalised by the table's numbers
    images, labels = test.tensors
    mean, std = cli.inputs.TRAINING_STATISTICS["mnist"]
    with tg.no_grad():
        predicted = model(cli.normalise(images, mean, std)).argmax(axis=1).numpy()
    correct = int((predicted == labels.numpy()).sum())
    assert f"({correct:,} of 20)" in text
    # only the t10k files: the training part is 80 % of them, read anyway, so its own numbers
    only_tests = tmp_path / "t10k-only"
    only_tests.mkdir()
    for stem in datasets.TEST:
        (only_tests / f"{stem}.gz").write_bytes((folder / f"{stem}.gz").read_bytes())
    read.clear()
    code, text, err = run(capsys, "evaluate", "--checkpoint", str(path), "--data-dir",
                          str(only_tests))
    assert code == 0, err
    assert "holds no normalisation" not in text and "test set: mnist, 4 samples" in text
    assert read and all(name.startswith("t10k") for name in read), read
    train, test = tg.data.mnist(root=only_tests)
    images, labels = test.tensors
    mean, std = cli.statistics(train.tensors[0])
    with tg.no_grad():
        predicted = model(cli.normalise(images, mean, std)).argmax(axis=1).numpy()
    assert f"({int((predicted == labels.numpy()).sum())} of 4)" in text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX) for a FIFO")
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "nested", "metadata-list"])
def test_unreadable_checkpoints_are_one_error_line(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.safetensors"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        header = b"[" * 50_000 + b"]" * 50_000 if kind == "nested" else (
            b'{"__metadata__": ["model", "mlp"]}')
        path.write_bytes(len(header).to_bytes(8, "little") + header)
    code, _, err = run(capsys, "evaluate", "--checkpoint", str(path))
    assert code == 1
    one_error_line(err, "evaluate")


def test_resume_refuses_a_folder_it_cannot_continue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    tg.save(build_model("mlp").state_dict(), out / "model.safetensors", metadata={"epoch": "1"})
    code, _, err = run(capsys, "train", "--resume", "--out", str(out))
    assert code == 1
    one_error_line(err)
    assert "holds no state to resume from); start it again with --overwrite" in err
    code, _, err = run(capsys, "train", "--resume", "--out", str(tmp_path / "nothing"))
    assert code == 2 and "does not exist" in one_error_line(err)
    (tmp_path / "empty").mkdir()  # a run stopped in its first epoch leaves no checkpoint
    code, _, err = run(capsys, "train", "--resume", "--out", str(tmp_path / "empty"))
    assert code == 1 and "holds no checkpoint to continue (no epoch was completed there); " \
        "start the training without --resume" in one_error_line(err)
    code, _, err = run(capsys, "train", "--resume")
    assert code == 2 and "give it with --out" in one_error_line(err)


# -- bad data through the command line ------------------------------------------------------
def write_idx(path: Path, header: bytes, body: bytes = b"") -> None:
    import gzip

    path.write_bytes(gzip.compress(header + body))


@pytest.mark.parametrize(("images", "expected"), [
    (bytes([0, 0, 8, 255]) + bytes(4 * 255), "claims 255 dimensions"),
    (bytes([0, 0, 8, 3]) + (0).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2, "no images"),
    (bytes([0, 0, 8, 3]) + (3).to_bytes(4, "big") + bytes(8), "images of 0 x 0 pixels"),
    (bytes([0, 0, 8, 3]) + (1).to_bytes(4, "big") + (27).to_bytes(4, "big") * 2 + bytes(729),
     "images of 27 x 27 pixels"),
])
def test_bad_idx_files_are_one_error_line(
    images: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "idx"
    folder.mkdir()
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", bytes([0, 0, 8, 1, 0, 0, 0, 1, 0]))
    code, _, err = run(capsys, "train", "--dataset", "mnist", "--data-dir", str(folder),
                       "--out", str(tmp_path / "run"))
    assert code == 1
    assert expected in one_error_line(err)
    assert not (tmp_path / "run").exists()


def test_a_file_as_data_dir_is_named_as_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    code, _, err = run(capsys, "train", "--dataset", "mnist", "--data-dir",
                       str(tmp_path / "a-file"), "--out", str(tmp_path / "run"))
    assert code == 2
    assert "--data-dir" in one_error_line(err) and "is a file, not a folder" in err


def test_download_timeout_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import http.server
    import threading
    import time

    from tinygrad_edu.data import datasets

    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(50):  # a byte every 0.2 s, 10 s at most
                    self.wfile.write(b"\0")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:  # the client gave up
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        source = datasets.Source("MNIST", "mnist", (url,), dict(datasets.SOURCES["mnist"].md5),
                                 2**20)
        monkeypatch.setitem(datasets.SOURCES, "mnist", source)
        began = time.monotonic()
        code, _, err = run(capsys, "train", "--dataset", "mnist", "--download", "--data-dir",
                           str(tmp_path / "data"), "--timeout", "1", "--out", str(tmp_path / "r"))
        assert time.monotonic() - began < 30
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=15)
    assert code == 1
    assert "the download took longer than 1 s" in one_error_line(err)
    assert not [p for p in (tmp_path / "data").iterdir() if p.name.endswith(".part")]
