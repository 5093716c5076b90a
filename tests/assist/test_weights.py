"""Model file downloads against a file server on 127.0.0.1: checked, resumed, cancelled, mirrored,
and imported by hand. Nothing half-written or wrong is ever where the loader looks."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from annotator.assist.weights import MIRROR_ENV, DownloadCancelled, ModelFile, WeightsError, download, import_file

PAYLOAD = bytes(range(256)) * 1024  # 256 KiB: several chunks
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Server:
    """Serves PAYLOAD at /good/NAME (ranges honoured), wrong bytes at /wrong/NAME, and half of it
    then a closed connection at /cut/NAME; records the paths and Range headers asked for."""

    def __init__(self):
        self.asked: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.asked.append((self.path, self.headers.get("Range")))
                kind = self.path.split("/")[1]
                body = b"x" * 1000 if kind == "wrong" else PAYLOAD
                start = 0
                rng = self.headers.get("Range")
                if kind == "good" and rng:
                    start = int(rng.split("=")[1].rstrip("-"))
                    self.send_response(206)
                elif kind in ("good", "wrong", "cut"):
                    self.send_response(200)
                else:
                    self.send_error(404)
                    return
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                self.wfile.write(body[start : len(body) // 2] if kind == "cut" else body[start:])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    with Server() as s:
        yield s


def model(server, kind="good"):
    return ModelFile("enc.onnx", f"{server.url}/{kind}/enc.onnx", SHA)


def test_download_checks_the_hash_and_reports_progress(server):
    seen = []
    path = download(model(server), progress=lambda name, done, total: seen.append((name, done, total)))
    assert path.read_bytes() == PAYLOAD and path.name == f"sha256-{SHA}"
    assert seen[-1] == ("enc.onnx", len(PAYLOAD), len(PAYLOAD)) and len(seen) > 1
    assert not list(path.parent.glob("*.part"))
    download(model(server))  # present: no second request
    assert len(server.asked) == 1


def test_wrong_contents_are_not_kept(server):
    f = model(server, "wrong")
    with pytest.raises(WeightsError, match="does not have the expected contents"):
        download(f)
    assert not f.path.exists() and not list(f.path.parent.glob("*"))


def test_a_cut_download_keeps_its_part_and_resumes(server):
    cut, good = model(server, "cut"), model(server, "good")
    with pytest.raises(WeightsError, match="try again to resume"):
        download(cut)
    part = cut.path.with_name(cut.path.name + ".part")
    assert not cut.path.exists() and 0 < part.stat().st_size < len(PAYLOAD)
    download(good)
    assert good.path.read_bytes() == PAYLOAD and not part.exists()
    assert server.asked[-1] == ("/good/enc.onnx", f"bytes={len(PAYLOAD) // 2}-")


def test_cancel_stops_and_leaves_nothing(server):
    cancel = threading.Event()
    f = model(server)
    with pytest.raises(DownloadCancelled):
        download(f, progress=lambda *a: cancel.set(), cancel=cancel)
    assert not f.path.exists() and not list(f.path.parent.glob("*"))


def test_offline_says_what_to_do(server):
    f = ModelFile("enc.onnx", "http://127.0.0.1:9/enc.onnx", SHA)  # nothing listens on port 9
    with pytest.raises(WeightsError, match="Import model file") as e:
        download(f, timeout=5)
    assert MIRROR_ENV in str(e.value) and not f.path.exists()


def test_the_mirror_serves_the_file_by_name(server, monkeypatch):
    monkeypatch.setenv(MIRROR_ENV, f"{server.url}/good/")
    f = ModelFile("enc.onnx", "http://127.0.0.1:9/unreachable/enc.onnx", SHA)
    assert download(f).read_bytes() == PAYLOAD
    assert server.asked == [("/good/enc.onnx", None)]


def test_import_places_a_matching_file_and_refuses_others(server, tmp_path):
    wanted = [model(server), ModelFile("dec.onnx", "http://x/dec.onnx", "0" * 64)]
    copied = tmp_path / "downloads" / "sam2.1_tiny_preprocess.onnx"
    copied.parent.mkdir()
    copied.write_bytes(PAYLOAD)
    assert import_file(copied, wanted) is wanted[0] and wanted[0].path.read_bytes() == PAYLOAD
    other = tmp_path / "other.onnx"
    other.write_bytes(b"something else")
    with pytest.raises(WeightsError, match="none of the files wanted"):
        import_file(other, wanted)
    with pytest.raises(WeightsError, match="is not a file"):
        import_file(tmp_path / "nowhere.onnx", wanted)
