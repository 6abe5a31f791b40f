"""Demo content through the real API: two demo users who follow each other, a few generated
clips, a comment, a playlist and a Watch later, so the community features have something to
show.

    python -m local.seed [--api http://127.0.0.1:3000]     # against a running stack
    make demo                                               # starts the stack and seeds it

Idempotent enough to run twice: the users are created once, clips whose title their owner
already has are not uploaded again, and the follows, the comment, the playlist and its items
are made only where missing.
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

PASSWORD = "tuber-demo-1234"
DEMO_USER = {"username": "demo", "email": "demo@tuber.local", "password": PASSWORD}
DEMO2_USER = {"username": "demo2", "email": "demo2@tuber.local", "password": PASSWORD}
DEMO_CLIPS = [
    ("Test pattern in motion", "testsrc2", 440),
    ("Colour bars at 880 Hz", "smptebars", 880),
    ("Mandelbrot zoom", "mandelbrot", 330),
]
DEMO2_CLIPS = [("Cellular automaton", "cellauto", 550)]
CLIP_SECONDS = 4
PLAYLIST_TITLE = "Demo clips"
COMMENT_TEXT = "Lovely colours! Subscribed."


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


class DemoAccount:
    """One demo user, signed in on a session of its own (its own bearer token)."""

    def __init__(self, api: str, credentials: dict):
        self.api = api
        self.credentials = credentials
        self.session = requests.Session()
        self.user: dict = {}

    def call(self, method: str, path: str, ok: tuple[int, ...] = (), **kw) -> dict:
        """The answer's JSON; a status in `ok` (what a rerun meets: 409) is not an error."""
        answer = self.session.request(method, f"{self.api}{path}", timeout=30, **kw)
        if answer.status_code not in ok:
            answer.raise_for_status()
        return answer.json() if answer.content else {}

    def sign_in(self) -> dict:
        self.call("POST", "/auth/register", ok=(409,), json=self.credentials)
        tokens = self.call("POST", "/auth/login", json={
            "username": self.credentials["username"], "password": self.credentials["password"]})
        self.session.headers["Authorization"] = f"Bearer {tokens['accessToken']}"
        self.user = tokens["user"]
        return self.user

    def videos_by_title(self) -> dict[str, dict]:
        """The user's own videos (every status), by title."""
        answer = self.call("GET", f"/video/user/{self.user['id']}", params={"limit": 100})
        return {video["title"]: video for video in answer["items"]}

    def start_publishing(self, title: str, clip: Path) -> str:
        """Create the video and upload the clip; transcoding runs on. The video's id."""
        data = clip.read_bytes()
        created = self.call("POST", "/video", json={
            "title": title, "description": "A generated demo clip.", "visibility": "public",
            "contentType": "video/mp4", "sizeBytes": len(data)})
        upload_to_presigned(created["upload"], data, "video/mp4").raise_for_status()
        return created["video"]["id"]

    def wait_until_public(self, video_id: str, timeout_s: float = 180) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            video = self.call("GET", f"/video/{video_id}")["video"]
            if video["status"] in ("PUBLIC", "FAILED"):
                return video
            time.sleep(1)
        raise TimeoutError(f"video {video_id} not published within {timeout_s}s")

    def upload_missing(self, clips: list[tuple[str, str, int]], tmp: Path) -> dict[str, str]:
        """Upload the clips this user has no video of; {title: video id} of those started."""
        have = self.videos_by_title()
        return {title: self.start_publishing(
                    title, generate_clip(tmp / f"{pattern}.mp4", pattern, tone))
                for title, pattern, tone in clips if title not in have}

    def videos(self, clips: list[tuple[str, str, int]], started: dict[str, str]) -> list[dict]:
        """The clips' videos in the order given, once the ones just uploaded are done."""
        for title, video_id in started.items():
            video = self.wait_until_public(video_id)
            log.info("demo: %s's %r is %s", self.credentials["username"], title, video["status"])
        have = self.videos_by_title()
        return [have[title] for title, _, _ in clips]

    def subscribe(self, channel: dict) -> None:
        self.call("PUT", f"/channel/{channel['id']}/subscription")

    def comment_once(self, video: dict, text: str) -> None:
        thread = self.call("GET", f"/comment/{video['id']}", params={"limit": 100})
        if not any(c["author"] and c["author"]["id"] == self.user["id"]
                   for c in thread["items"]):
            self.call("POST", f"/comment/{video['id']}", json={"text": text})

    def playlist(self, title: str, visibility: str = "public") -> str:
        """The id of the user's playlist of that title, made if missing."""
        mine = self.call("GET", f"/playlist/user/{self.user['id']}", params={"limit": 100})
        for playlist in mine["items"]:
            if playlist["title"] == title:
                return playlist["id"]
        return self.call("POST", "/playlist", json={
            "title": title, "description": "The demo clips, in order.",
            "visibility": visibility})["playlist"]["id"]

    def add_to_playlist(self, playlist_id: str, video: dict) -> None:
        self.call("POST", f"/playlist/{playlist_id}/items", ok=(409,),  # already_in_playlist
                  json={"videoId": video["id"]})


class DemoSeeder:
    def __init__(self, api: str):
        self.api = api.rstrip("/")
        self.demo = DemoAccount(self.api, DEMO_USER)
        self.demo2 = DemoAccount(self.api, DEMO2_USER)

    def run(self) -> None:
        demo, demo2 = self.demo, self.demo2
        demo.sign_in()
        demo2.sign_in()
        # Before any upload: a new video notifies the channel's subscribers at publication.
        demo.subscribe(demo2.user)
        demo2.subscribe(demo.user)
        # Every upload before any wait: the clips transcode together.
        with tempfile.TemporaryDirectory(prefix="tuber-demo-") as tmp:
            started = demo.upload_missing(DEMO_CLIPS, Path(tmp))
            their_started = demo2.upload_missing(DEMO2_CLIPS, Path(tmp))
        clips = [video for video in demo.videos(DEMO_CLIPS, started)
                 if video["status"] == "PUBLIC"]
        their_clips = [video for video in demo2.videos(DEMO2_CLIPS, their_started)
                       if video["status"] == "PUBLIC"]
        if clips:  # demo's "comment on your video" notification
            demo2.comment_once(clips[0], COMMENT_TEXT)
        playlist_id = demo.playlist(PLAYLIST_TITLE)
        for video in clips:
            demo.add_to_playlist(playlist_id, video)
        for video in their_clips[:1]:
            demo.add_to_playlist("watch-later", video)
        print(f"Demo ready at {self.api}/: sign in as "
              f"{DEMO_USER['username']} / {DEMO_USER['password']} or "
              f"{DEMO2_USER['username']} / {DEMO2_USER['password']}", flush=True)


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
