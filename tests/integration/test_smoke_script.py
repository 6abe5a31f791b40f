"""scripts/smoke against a small fake of the API (the real stack: tests/e2e/test_smoke_e2e.py):
every step and its output, the playback cookies kept like a browser keeps them, the first
failure stopping the run, and the video deleted whatever failed after it was created."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.scripts import SCRIPTS, load_script

smoke = load_script("smoke")

CLIP = SCRIPTS / "smoke-clip.mp4"
MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x240\n240p/index.m3u8\n"
RUNG = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_000.ts\n#EXT-X-ENDLIST\n"
SEGMENT = b"G" * 4096


class FakeTuber:
    """The routes scripts/smoke calls, with what the real API answers. GET /video/{id} sets a
    playback cookie scoped to the video's media, as the CloudFront plan has it; media answers
    403 without it. `fail` makes one route answer 500; `final_status` is what the video
    turns into."""

    def __init__(self):
        self.fail: str | None = None
        self.final_status = "PUBLIC"
        self.set_cookie = True
        self.media_base = ""  # absolute hlsUrl on this base (the distribution's host)
        self.uploaded = b""
        self.deleted = False
        self.account_deleted = ""
        self.polls = 0
        self.calls: list[str] = []
        self.comments: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body=b"", headers=()):
                data = json.dumps(body).encode() if isinstance(body, (dict, list)) else \
                    body.encode() if isinstance(body, str) else body
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                route = f"{self.command} {self.path}"
                fake.calls.append(route)
                if fake.fail and route.startswith(fake.fail):
                    return self._answer(500, {"error": {"code": "internal_error",
                                                        "message": "internal error"}})
                authed = self.headers.get("Authorization") == "Bearer access-1"
                video = {"id": "v1", "status": "UPLOADING", "hlsUrl": None,
                         "thumbnailUrl": None}
                if route == "POST /auth/register":
                    return self._answer(201, {"user": {"id": "u1"}})
                if route == "POST /auth/login":
                    return self._answer(200, {"accessToken": "access-1", "expiresIn": 900,
                                              "refreshToken": "refresh-1", "user": {"id": "u1"}})
                if route == "DELETE /auth/me" and self.headers.get("Authorization"):
                    fake.account_deleted = json.loads(body)["password"]
                    return self._answer(202, {"deletion": {"status": "complete"}})
                if not authed and not self.path.startswith(("/hls/", "/storage")):
                    return self._answer(401, {"error": {"code": "unauthorized", "message": ""}})
                if route == "POST /video":
                    assert json.loads(body)["sizeBytes"] == CLIP.stat().st_size
                    return self._answer(201, {"video": video, "upload": {
                        "url": f"{fake.url}/storage", "method": "POST",
                        "fields": {"key": "raw/v1/source", "Content-Type": "video/mp4"}}})
                if route == "POST /storage":
                    fake.uploaded = body
                    return self._answer(204)
                if route == "GET /video/v1":
                    if fake.deleted:
                        return self._answer(404, {"error": {"code": "video_not_found",
                                                            "message": ""}})
                    fake.polls += 1
                    status = "PROCESSING" if fake.polls < 3 else fake.final_status
                    cookies = [("Set-Cookie", "CloudFront-Policy=p1; Path=/hls/v1/; HttpOnly")] \
                        if fake.set_cookie and status == "PUBLIC" else []
                    return self._answer(200, {"video": {
                        **video, "status": status, "failureReason": "ffprobe: not a video"
                        if status == "FAILED" else None,
                        "hlsUrl": f"{fake.media_base}/hls/v1/master.m3u8"
                        if status == "PUBLIC" else None}},
                        cookies)
                if self.path.startswith("/hls/"):
                    if fake.deleted:
                        return self._answer(404, "gone")
                    if "CloudFront-Policy=p1" not in (self.headers.get("Cookie") or ""):
                        return self._answer(403, "<Error>AccessDenied</Error>")
                    media = {"/hls/v1/master.m3u8": MASTER, "/hls/v1/240p/index.m3u8": RUNG,
                             "/hls/v1/240p/seg_000.ts": SEGMENT}
                    return self._answer(200, media[self.path]) if self.path in media \
                        else self._answer(404, "no such key")
                if route == "PUT /like/v1":
                    return self._answer(200, {"likeCount": 1, "dislikeCount": 0,
                                              "myRating": json.loads(body)["rating"]})
                if route == "POST /comment/v1":
                    comment = {"id": "c1", "text": json.loads(body)["text"]}
                    fake.comments.append(comment)
                    return self._answer(201, {"comment": comment})
                if route == "GET /comment/v1":
                    return self._answer(200, {"items": fake.comments, "nextCursor": None})
                if route == "DELETE /video/v1":
                    fake.deleted = True
                    return self._answer(204)
                return self._answer(404, {"error": {"code": "route_not_found", "message": route}})

            do_GET = do_POST = do_PUT = do_DELETE = _route

            def log_message(self, *args):
                pass

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    server = FakeTuber()
    yield server
    server.close()


def run_smoke(fake, capsys, *extra: str) -> tuple[int, str]:
    code = smoke.main([fake.url, "--clip", str(CLIP), "--timeout", "20", "--gone-timeout", "2",
                       *extra])
    return code, capsys.readouterr().out


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch):
    monkeypatch.setattr(smoke.Smoke, "__init__", _fast(smoke.Smoke.__init__))


def _fast(init):
    def patched(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.poll_s = 0.05
    return patched


def test_every_step_passes_and_prints_its_name_and_time(fake, capsys):
    code, out = run_smoke(fake, capsys)

    assert code == 0, out
    for step in smoke.STEPS:
        assert re.search(rf"^  {re.escape(step)} \.+ ok +\d+\.\d\d s", out, re.M), (step, out)
    assert "PASSED: 7 steps in" in out
    # The clip went as the last field of the presigned POST form, intact.
    assert fake.uploaded.index(b'name="key"') < fake.uploaded.index(b'name="file"')
    assert CLIP.read_bytes() in fake.uploaded
    # Playback used the cookie set by the API (media answers 403 without it).
    assert "segment 4096 B" in out
    # The smoke user is deleted at the end, with the password it signed up with.
    assert fake.calls[-1] == "DELETE /auth/me" and fake.account_deleted


def test_media_refused_without_cookies_fails_playback_and_still_deletes(fake, capsys):
    fake.set_cookie = False

    code, out = run_smoke(fake, capsys)

    assert code == 1
    assert re.search(r"^  playback \.+ FAILED", out, re.M)
    assert 'FAILED at step "playback": master playlist ' in out and "HTTP 403" in out
    assert "signed playback cookies" in out
    assert "like ...." not in out  # stopped at the first failure
    assert "DELETE /video/v1" in fake.calls and fake.deleted
    assert "cleanup: video v1 deleted" in out


def test_media_on_another_host_gets_its_cookies_there(fake, capsys):
    """Given API Gateway's URL (here: localhost) while the media is on the distribution's host
    (127.0.0.1), which serves the API too: cookies from the API's host would not go to the
    media's, so the script asks the media's host for them."""
    fake.media_base = fake.url
    port = fake.url.rsplit(":", 1)[1]

    code = smoke.main([f"http://localhost:{port}", "--clip", str(CLIP), "--timeout", "20",
                       "--gone-timeout", "2"])
    out = capsys.readouterr().out

    assert code == 0, out
    assert f"cookies from {fake.url} (200)" in out


@pytest.mark.parametrize("route, step", [("PUT /like", "like"),
                                         ("POST /comment", "comment")])
def test_a_later_failure_names_its_step_and_cleans_up(fake, capsys, route, step):
    fake.fail = route

    code, out = run_smoke(fake, capsys)

    assert code == 1
    assert f'FAILED at step "{step}": {route}/v1: expected HTTP' in out
    assert "got HTTP 500 internal_error: internal error" in out
    assert fake.deleted and "cleanup: video v1 deleted" in out


def test_a_failed_transcode_stops_the_run(fake, capsys):
    fake.final_status = "FAILED"

    code, out = run_smoke(fake, capsys)

    assert code == 1
    assert "FAILED at step \"wait for PUBLIC\": the video ended FAILED: 'ffprobe: not a video'" \
        in out
    assert fake.deleted


def test_a_video_never_public_times_out(fake, capsys):
    fake.final_status = "PROCESSING"

    code, out = run_smoke(fake, capsys, "--timeout", "0.3")

    assert code == 1
    assert 'FAILED at step "wait for PUBLIC": not PUBLIC within 0 s (status PROCESSING' in out
    assert fake.deleted


def test_no_video_to_clean_up_when_sign_up_fails(fake, capsys):
    fake.fail = "POST /auth/register"

    code, out = run_smoke(fake, capsys)

    assert code == 1 and 'FAILED at step "sign up"' in out
    assert "cleanup" not in out and not any(c.startswith("DELETE") for c in fake.calls)


def test_nothing_listening_is_a_clear_failure(capsys):
    from local.services import free_port

    code = smoke.main([f"http://127.0.0.1:{free_port()}", "--clip", str(CLIP)])
    out = capsys.readouterr().out
    assert code == 1
    assert 'FAILED at step "sign up": POST http://127.0.0.1:' in out and "no answer" in out


def test_runs_on_the_standard_library_alone(fake):
    """No site-packages (-S): the script needs nothing but Python itself."""
    done = subprocess.run([sys.executable, "-I", "-S", str(SCRIPTS / "smoke"), fake.url,
                           "--clip", str(CLIP), "--gone-timeout", "2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout


def test_usage(capsys):
    with pytest.raises(SystemExit) as exited:
        smoke.parse_args(["not-a-url"])
    assert exited.value.code == 2
    assert "not an http(s) URL" in capsys.readouterr().err


def test_media_lines_and_multipart_form():
    assert smoke.media_lines(MASTER) == ["240p/index.m3u8"]
    assert smoke.media_lines(RUNG) == ["seg_000.ts"]
    body, content_type = smoke.multipart_form({"key": "k"}, "file", "a.mp4", b"DATA", "video/mp4")
    boundary = content_type.split("boundary=")[1]
    assert body.startswith(f"--{boundary}\r\n".encode())
    assert body.endswith(f"\r\n--{boundary}--\r\n".encode())
    assert b'name="file"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\nDATA' in body


def test_shipped_clip_is_there():
    assert Path(smoke.SHIPPED_CLIP) == CLIP and CLIP.stat().st_size < 100_000
