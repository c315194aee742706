"""IDX files, the shipped MNIST sample, data folders, and downloads from a local HTTP server."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import os
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backends.base import Backend
from tinygrad_edu.data import (
    ChecksumError,
    DownloadError,
    IdxError,
    data_home,
    datasets,
    download,
    fashion_mnist,
    load_folder,
    mnist,
    mnist_sample,
    random_split,
    read_idx,
)
from tinygrad_edu.data.datasets import SAMPLE_FOLDER, SPLIT_SEED, Source
from tinygrad_edu.data.idx import IDX_TYPES

CODES = {np.dtype(dtype).newbyteorder("="): code for code, (_, dtype) in IDX_TYPES.items()}
NAMES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def idx_bytes(array: np.ndarray) -> bytes:
    code = CODES[array.dtype.newbyteorder("=")]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: np.ndarray, compress: bool = True) -> Path:
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def make_folder(folder: Path, train: int | None = 30, test: int = 20, compress: bool = True,
                seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """IDX files as published, with random 28x28 digits; returns the arrays written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    suffix = ".gz" if compress else ""
    written = {}
    for split, count in (("train", train), ("test", test)):
        if count is None:
            continue
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, count, dtype=np.uint8)
        write_idx(folder / (NAMES[split][0] + suffix), images, compress)
        write_idx(folder / (NAMES[split][1] + suffix), labels, compress)
        written[split] = (images, labels)
    return written


# -- the IDX reader --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("compress", [True, False])
def test_idx_round_trip(tmp_path: Path, dtype: type, compress: bool) -> None:
    array = (np.arange(24).reshape(2, 3, 4) * 3 - 20).astype(dtype)
    if np.issubdtype(dtype, np.floating):
        array = array / 7  # fractions: every byte of the big-endian numbers matters
    if dtype is np.uint8:
        array = array.astype(np.int64) % 256
    array = array.astype(dtype)
    result = read_idx(write_idx(tmp_path / "x", array, compress))
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    np.testing.assert_array_equal(result, array)
    result[0, 0, 0] = 1  # writable


def test_gzip_is_detected_by_content_not_name(tmp_path: Path) -> None:
    labels = np.array([7, 2, 1], dtype=np.uint8)
    (tmp_path / "raw.gz").write_bytes(idx_bytes(labels))
    (tmp_path / "packed").write_bytes(gzip.compress(idx_bytes(labels)))
    assert read_idx(tmp_path / "raw.gz").tolist() == read_idx(tmp_path / "packed").tolist()


def test_empty_idx_array(tmp_path: Path) -> None:
    assert read_idx(write_idx(tmp_path / "e", np.zeros((0, 28, 28), np.uint8))).shape == (0, 28, 28)


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x1f\x00\x08\x01\x00\x00\x00\x02", r"not an IDX file: bad magic number 0x1F000801"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", r"unknown dtype code 0x07.*0x08 \(unsigned"),
        (b"\x00\x00", r"truncated: expected at least 4 bytes .*got 2"),
        (b"\x00\x00\x08\x03\x00\x00", r"truncated: expected 16 header bytes .*got 6"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", r"needs 13 bytes, got 10|expected 13 bytes"
                                                     r".*got 10"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02\x03", r"wrong size: expected 10 bytes"),
        (b"\x00\x00\x0d\x02\xff\xff\xff\xff\xff\xff\xff\xff", r"header is corrupt"),
    ],
)
def test_bad_idx_files_are_named_with_the_problem(
    tmp_path: Path, content: bytes, message: str, compress: bool
) -> None:
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(IdxError, match=message) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_truncated_data_reports_both_sizes(tmp_path: Path) -> None:
    data = idx_bytes(np.zeros((10, 28, 28), np.uint8))
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(data[:-100]))  # a complete gzip stream of a short file
    with pytest.raises(IdxError, match=r"truncated: expected 7856 bytes .*got 7756"):
        read_idx(path)


def test_cut_short_gzip_stream(tmp_path: Path) -> None:
    packed = gzip.compress(idx_bytes(np.arange(5000, dtype=np.int32)))
    path = tmp_path / "cut.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IdxError, match="corrupt or cut-short gzip data"):
        read_idx(path)
    path.write_bytes(packed[:10] + bytes(len(packed) - 10))
    with pytest.raises(IdxError, match="corrupt or cut-short gzip data"):
        read_idx(path)


def test_missing_idx_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_idx(tmp_path / "nothing-here")


# -- the shipped sample ----------------------------------------------------------------------


def test_shipped_images_are_the_original_bytes() -> None:
    with gzip.open(SAMPLE_FOLDER / "t10k-images-idx3-ubyte.gz") as handle:
        assert hashlib.md5(handle.read()).hexdigest() == "2646ac647ad5339dbf082846283269ea"
    for name in ("ATTRIBUTION.md", "LICENSE-CC-BY-SA-3.0.txt"):
        assert (SAMPLE_FOLDER / name).is_file()
    text = (SAMPLE_FOLDER / "LICENSE-CC-BY-SA-3.0.txt").read_text()
    assert "Attribution-ShareAlike 3.0 Unported" in text and len(text) > 20_000


def test_mnist_sample_is_an_80_20_split_of_the_test_set(backend: Backend) -> None:
    with tg.use_backend(backend):
        train, test = mnist_sample()
    (x_train, y_train), (x_test, y_test) = train.tensors, test.tensors
    assert x_train.backend is backend and y_test.backend is backend
    assert x_train.shape == (8000, 1, 28, 28) and x_test.shape == (2000, 1, 28, 28)
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert x_train.dtype is tg.float32 and y_train.dtype is tg.int64
    pixels = x_test.numpy()
    assert pixels.min() == 0.0 and pixels.max() == 1.0
    assert sorted(set(y_test.numpy().tolist())) == list(range(10))
    # The 10,000 digits of the file, each exactly once, in the split random_split gives.
    images = read_idx(SAMPLE_FOLDER / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(SAMPLE_FOLDER / "t10k-labels-idx1-ubyte.gz")
    _, held_out = random_split(range(10_000), [0.8, 0.2], seed=SPLIT_SEED)
    expected = images[held_out.indices].astype(np.float32) / 255
    np.testing.assert_array_equal(pixels[:, 0], expected)
    np.testing.assert_array_equal(y_test.numpy(), labels[held_out.indices])
    np.testing.assert_array_equal(np.bincount(np.concatenate(
        [y_train.numpy(), y_test.numpy()])), np.bincount(labels))


def test_mnist_sample_is_the_same_every_time() -> None:
    a, b = mnist_sample()[1], mnist_sample()[1]
    np.testing.assert_array_equal(a.tensors[1].numpy(), b.tensors[1].numpy())


def test_mnist_sample_says_it_is_not_the_benchmark() -> None:
    doc = " ".join((mnist_sample.__doc__ or "").split())
    assert "NOT comparable with the standard MNIST benchmark" in doc and "60,000" in doc


# -- data folders ----------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False])
def test_folder_with_four_files(tmp_path: Path, compress: bool) -> None:
    written = make_folder(tmp_path, compress=compress)
    train, test = mnist(root=tmp_path)
    assert (len(train), len(test)) == (30, 20)
    x, y = train.tensors
    np.testing.assert_array_equal(x.numpy()[:, 0], written["train"][0] / np.float32(255))
    np.testing.assert_array_equal(y.numpy(), written["train"][1])
    assert len(fashion_mnist(root=tmp_path)[1]) == 20


def test_folder_with_only_the_test_files_is_split_80_20(tmp_path: Path) -> None:
    written = make_folder(tmp_path, train=None, test=50)
    train, test = mnist(root=str(tmp_path))
    assert (len(train), len(test)) == (40, 10)
    order = np.random.default_rng(SPLIT_SEED).permutation(50)
    np.testing.assert_array_equal(test.tensors[1].numpy(), written["test"][1][order[40:]])


def test_missing_folder_says_how_to_point_at_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"does not exist.*root=.*--data-dir.*download"):
        mnist(root=tmp_path / "nowhere")


def test_empty_folder_lists_the_files_wanted(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FileNotFoundError, match=r"lacks train-images.*t10k-labels.*notes.txt"):
        fashion_mnist(root=tmp_path)


def test_training_files_without_test_files(tmp_path: Path) -> None:
    make_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"lacks t10k-labels-idx1-ubyte\[.gz\]"):
        mnist(root=tmp_path)


def test_labels_not_matching_images(tmp_path: Path) -> None:
    make_folder(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(29, np.uint8))
    with pytest.raises(IdxError, match=r"has 29 labels but .*train-images.* has 30 images"):
        mnist(root=tmp_path)


@pytest.mark.parametrize(
    "name, array, message",
    [("t10k-labels-idx1-ubyte.gz", np.full(20, 12, np.uint8), "label 12"),
     ("t10k-images-idx3-ubyte.gz", np.zeros((20, 784), np.uint8), r"shape \(20, 784\)"),
     ("t10k-labels-idx1-ubyte.gz", np.zeros(20, np.int32), "unsigned bytes")],
)
def test_wrong_contents(tmp_path: Path, name: str, array: np.ndarray, message: str) -> None:
    make_folder(tmp_path)
    write_idx(tmp_path / name, array)
    with pytest.raises(IdxError, match=message):
        mnist(root=tmp_path)


def test_corrupt_file_in_a_folder(tmp_path: Path) -> None:
    make_folder(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(IdxError, match="train-images-idx3-ubyte.gz"):
        load_folder(tmp_path)


def test_cache_folder_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "data"))
    assert data_home() == tmp_path / "data"
    make_folder(tmp_path / "data" / "fashion-mnist", train=None, test=10)
    assert len(fashion_mnist()[0]) == 8
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "data" / "mnist")):
        mnist()
    monkeypatch.delenv("TINYGRAD_EDU_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name != "nt":
        assert data_home() == tmp_path / "xdg" / "tinygrad_edu"


# -- downloads from a local server -----------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; /short/NAME announces the file's length but sends only half of it;
    /slow/NAME sends a byte every 0.2 s; /endless/NAME sends zeros without a length (both
    stop by themselves: bounded loops); /huge/NAME announces a gigabyte."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.startswith(("/slow/", "/endless/", "/huge/")):
            kind = self.path.split("/")[1]
            self.send_response(200)
            if kind != "endless":
                self.send_header("Content-Length", str(10**9 if kind == "huge" else 1000))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client hangs up: done
                for _ in range(100 if kind == "slow" else 2000 if kind == "endless" else 0):
                    self.wfile.write(b"\0" if kind == "slow" else bytes(65536))
                    self.wfile.flush()
                    if kind == "slow":
                        time.sleep(0.2)
            self.close_connection = True
            return
        if self.path.startswith("/short/"):
            body = (Path(self.directory) / self.path.removeprefix("/short/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """A server on 127.0.0.1 with four small IDX files; yields (base URL, folder, md5s)."""
    served = tmp_path / "served"
    make_folder(served, train=12, test=8, seed=1)
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in served.iterdir()}

    def handler(*args: object) -> _Handler:
        return _Handler(*args, directory=str(served))  # type: ignore[arg-type]

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", served, md5
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _refused_url() -> str:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    port = httpd.server_address[1]
    httpd.server_close()  # nothing listens there any more
    return f"http://127.0.0.1:{port}/"


def _use(monkeypatch: pytest.MonkeyPatch, mirrors: tuple[str, ...], md5: dict[str, str]) -> None:
    monkeypatch.setitem(datasets.SOURCES, "mnist", Source("MNIST", "mnist", mirrors, md5, 2**20))


def test_good_download(server: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, served, md5 = server
    _use(monkeypatch, (url,), md5)
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "cache"))
    train, test = mnist(download=True)
    assert (len(train), len(test)) == (12, 8)
    folder = tmp_path / "cache" / "mnist"
    assert sorted(os.listdir(folder)) == sorted(md5)  # no temporary files left
    for name in md5:
        assert (folder / name).read_bytes() == (served / name).read_bytes()
    assert download.fetch_files(folder, md5, [_refused_url()]) == []  # present: not fetched again


def test_download_fills_in_only_missing_files(
    server: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _, md5 = server
    _use(monkeypatch, (url,), md5)
    make_folder(tmp_path, train=None, test=5, compress=False)  # recompressed copies are fine
    train, test = mnist(root=tmp_path, download=True)
    assert (len(train), len(test)) == (12, 5)
    assert not (tmp_path / "t10k-images-idx3-ubyte.gz").exists()


def test_second_mirror_is_tried(server: tuple, tmp_path: Path) -> None:
    url, _, md5 = server
    fetched = download.fetch_files(tmp_path, md5, [_refused_url(), url], timeout=5)
    assert len(fetched) == 4


def test_checksum_mismatch_leaves_nothing(
    server: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _, md5 = server
    _use(monkeypatch, (url,), {**md5, "train-images-idx3-ubyte.gz": "0" * 32})
    with pytest.raises(ChecksumError, match=r"(?s)train-images-idx3-ubyte.gz did not match.*0{32}"):
        mnist(root=tmp_path / "dl", download=True)
    assert "train-images-idx3-ubyte.gz" not in os.listdir(tmp_path / "dl")
    assert not [n for n in os.listdir(tmp_path / "dl") if n.endswith(".part")]


def test_server_gone_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, (_refused_url(),), {"t10k-images-idx3-ubyte.gz": "0" * 32})
    with pytest.raises(DownloadError, match=r"(?s)offline.*root=FOLDER.*--data-dir") as caught:
        mnist(root=tmp_path / "dl", download=True)
    assert "refused" in str(caught.value).lower()
    assert os.listdir(tmp_path / "dl") == []


def test_missing_file_on_the_server(server: tuple, tmp_path: Path) -> None:
    url, _, _ = server
    with pytest.raises(DownloadError, match="HTTP 404"):
        download.fetch_files(tmp_path / "dl", {"nothing.gz": "0" * 32}, [url], timeout=5)
    assert os.listdir(tmp_path / "dl") == []


def test_interrupted_download_leaves_nothing(server: tuple, tmp_path: Path) -> None:
    url, _, md5 = server
    with pytest.raises(DownloadError, match="IncompleteRead|cut short") as caught:
        download.fetch_files(tmp_path / "dl", md5, [url + "short/"], timeout=5)
    assert not isinstance(caught.value, ChecksumError)
    assert os.listdir(tmp_path / "dl") == []


def test_ctrl_c_during_a_download_leaves_nothing(
    server: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _, md5 = server

    class Interrupting:
        def update(self, count: int) -> None:
            raise KeyboardInterrupt

    monkeypatch.setattr(download, "_progress", lambda total, name: Interrupting())
    with pytest.raises(KeyboardInterrupt):
        download.fetch_files(tmp_path / "dl", md5, [url], timeout=5)
    assert os.listdir(tmp_path / "dl") == []


def test_folder_that_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(OSError, match="Cannot write the downloads into .*root=") as caught:
        download.fetch_files(tmp_path / "a-file" / "mnist", {"x.gz": "0" * 32}, [_refused_url()])
    assert not isinstance(caught.value, DownloadError)


# -- hostile or careless IDX headers (issue 16) --------------------------------------------------
def test_an_idx_file_with_255_dimensions_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 255]) + bytes(4 * 255))
    with pytest.raises(IdxError, match="claims 255 dimensions"):
        read_idx(path)


def test_a_header_larger_than_the_data_set_is_refused_before_allocating(tmp_path: Path) -> None:
    # 600,000 images: passes the gzip ratio check (the file is large enough), not the bound
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + struct.pack(
        ">3I", 600_000, 28, 28) + bytes(50_000), compresslevel=0))
    with pytest.raises(IdxError, match=r"more than the largest file of the data set"):
        read_idx(path, max_bytes=datasets.MAX_IDX_BYTES)
    make_folder(tmp_path / "big")
    (tmp_path / "big" / path.name).write_bytes(path.read_bytes())
    with pytest.raises(IdxError, match=r"more than the largest file"):
        mnist(root=tmp_path / "big")


@pytest.mark.parametrize(("shape", "message"), [
    ((0, 28, 28), "holds no images"),
    ((20, 0, 0), "images of 0 x 0 pixels"),
    ((20, 27, 29), "images of 27 x 29 pixels"),
])
def test_no_images_or_images_of_another_size(tmp_path: Path, shape: tuple, message: str) -> None:
    make_folder(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros(shape, np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(shape[0], np.uint8))
    with pytest.raises(IdxError, match=message):
        mnist(root=tmp_path)


# -- deadlines, size caps, stale .part files, https (issue 16) -----------------------------------
def test_a_server_that_trickles_is_given_up_at_the_deadline(server: tuple, tmp_path: Path) -> None:
    url, _, md5 = server
    began = time.monotonic()
    with pytest.raises(DownloadError, match=r"took longer than 1 s \(got \d+ bytes\)"):
        download.fetch_files(tmp_path / "dl", {"t10k-labels-idx1-ubyte.gz": md5[
            "t10k-labels-idx1-ubyte.gz"]}, [url + "slow/"], timeout=1)
    assert time.monotonic() - began < 10
    assert os.listdir(tmp_path / "dl") == []


@pytest.mark.parametrize(("kind", "message"), [
    ("endless", r"sent more than the 1,048,576 bytes"),
    ("huge", r"announces 1,000,000,000 bytes, more than the 1,048,576"),
])
def test_a_response_larger_than_the_file_can_be_is_cut_off(
    server: tuple, tmp_path: Path, kind: str, message: str
) -> None:
    url, _, md5 = server
    with pytest.raises(DownloadError, match=message):
        download.fetch_files(tmp_path / "dl", {"t10k-labels-idx1-ubyte.gz": "0" * 32},
                             [f"{url}{kind}/"], timeout=30, max_bytes=2**20)
    assert os.listdir(tmp_path / "dl") == []


def test_stale_part_files_of_killed_downloads_are_removed(server: tuple, tmp_path: Path) -> None:
    url, _, md5 = server
    folder = tmp_path / "dl"
    folder.mkdir()
    stale = folder / ".t10k-labels-idx1-ubyte.gz.k1ll3d.part"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))  # an hour old
    live = folder / ".t10k-images-idx3-ubyte.gz.l1v3.part"  # another download, under way
    live.write_bytes(b"half")
    download.fetch_files(folder, {"t10k-labels-idx1-ubyte.gz": md5["t10k-labels-idx1-ubyte.gz"]},
                         [url], timeout=30)
    assert not stale.exists() and live.exists()


def test_every_mirror_is_https_and_every_source_has_a_size_cap() -> None:
    for source in datasets.SOURCES.values():
        assert source.mirrors and all(m.startswith("https://") for m in source.mirrors), source
        assert 10 * 2**20 < source.max_bytes <= 64 * 2**20
