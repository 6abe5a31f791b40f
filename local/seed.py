"""Demo content through the real API: a demo user and a few generated clips, published.

    python -m local.seed [--api http://127.0.0.1:3000]     # against a running stack
    make demo                                               # starts the stack and seeds it

Idempotent enough to run twice: the user is created once, and clips whose title the demo
user already has are not uploaded again.
"""
from __future__ import annotations

import argparse
import logging
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests

log = logging.getLogger("tuber.local")

DEMO_USER = {"username": "demo", "email": "demo@tuber.local", "password": "tuber-demo-1234"}
DEMO_CLIPS = [
    ("Test pattern in motion", "testsrc2", 440),
    ("Colour bars at 880 Hz", "smptebars", 880),
    ("Mandelbrot zoom", "mandelbrot", 330),
]
CLIP_SECONDS = 4


def generate_clip(path: Path, pattern: str = "testsrc2", tone_hz: int = 440,
                  seconds: int = CLIP_SECONDS, size: str = "640x360") -> Path:
    """A short H.264/AAC MP4 made by ffmpeg from its built-in test sources."""
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=25",
         "-f", "lavfi", "-i", f"sine=frequency={tone_hz}:sample_rate=44100",
         "-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast",
         "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(path)],
        check=True)
    return path


def upload_to_presigned(upload: dict, data: bytes, content_type: str,
                        filename: str = "source.mp4") -> requests.Response:
    """Send `data` the way the create answer says: a PUT with headers or a POST form."""
    method = upload.get("method", "PUT").upper()
    if method == "POST":
        return requests.post(upload["url"], data=upload.get("fields") or {},
                             files={"file": (filename, data, content_type)}, timeout=60)
    headers = upload.get("headers") or {"Content-Type": content_type}
    return requests.request(method, upload["url"], data=data, headers=headers, timeout=60)


class DemoSeeder:
    def __init__(self, api: str):
        self.api = api.rstrip("/")
        self.session = requests.Session()

    def sign_in(self) -> dict:
        answer = self.session.post(f"{self.api}/auth/register", json=DEMO_USER, timeout=30)
        if answer.status_code not in (201, 409):
            answer.raise_for_status()
        login = self.session.post(f"{self.api}/auth/login", timeout=30, json={
            "username": DEMO_USER["username"], "password": DEMO_USER["password"]})
        login.raise_for_status()
        tokens = login.json()
        self.session.headers["Authorization"] = f"Bearer {tokens['accessToken']}"
        return tokens["user"]

    def existing_titles(self, user_id: str) -> set[str]:
        answer = self.session.get(f"{self.api}/video/user/{user_id}", params={"limit": 100},
                                  timeout=30)
        answer.raise_for_status()
        return {video["title"] for video in answer.json()["items"]}

    def publish(self, title: str, clip: Path) -> dict:
        data = clip.read_bytes()
        created = self.session.post(f"{self.api}/video", timeout=30, json={
            "title": title, "description": "A generated demo clip.", "visibility": "public",
            "contentType": "video/mp4", "sizeBytes": len(data)})
        created.raise_for_status()
        video, upload = created.json()["video"], created.json()["upload"]
        uploaded = upload_to_presigned(upload, data, "video/mp4")
        uploaded.raise_for_status()
        return self.wait_until_public(video["id"])

    def wait_until_public(self, video_id: str, timeout_s: float = 180) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            video = self.session.get(f"{self.api}/video/{video_id}", timeout=30).json()["video"]
            if video["status"] in ("PUBLIC", "FAILED"):
                return video
            time.sleep(1)
        raise TimeoutError(f"video {video_id} not published within {timeout_s}s")

    def run(self) -> None:
        user = self.sign_in()
        have = self.existing_titles(user["id"])
        with tempfile.TemporaryDirectory(prefix="tuber-demo-") as tmp:
            for title, pattern, tone in DEMO_CLIPS:
                if title in have:
                    continue
                clip = generate_clip(Path(tmp) / f"{pattern}.mp4", pattern, tone)
                video = self.publish(title, clip)
                log.info("demo: %r is %s", title, video["status"])
        print(f"Demo ready: sign in as {DEMO_USER['username']} / {DEMO_USER['password']}"
              f" at {self.api}/", flush=True)


def seed_in_background(api: str, stop: threading.Event) -> threading.Thread:
    def run() -> None:
        try:
            DemoSeeder(api).run()
        except Exception as exc:  # the stack keeps running; say why the demo is incomplete
            if not stop.is_set():
                log.error("demo seed failed: %s: %s", type(exc).__name__, exc)

    thread = threading.Thread(target=run, name="demo-seed", daemon=True)
    thread.start()
    return thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:3000")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    log.setLevel(logging.INFO)
    DemoSeeder(args.api).run()


if __name__ == "__main__":
    main()
