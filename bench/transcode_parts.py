"""Transcoding in parts (issue 15) against the single-pass ladder it replaced, in the same run.

Baseline: the single-pass command of the previous ffmpeg backend (commit 6401604, copied here
as `single_pass_command`): one ffmpeg decodes the source once and encodes every rung, each
with the audio muxed in, plus a thumbnail. It is playable only when it is done. It encodes
the same rungs at the same bitrates as the parts (today's ladder), so only the shape of the
work differs.

Parts: what the part function does minus S3 and the database. For each part of
`plan.tasks` (the audio once, then the lowest rung chunk by chunk, then each higher rung),
the command is built by `ffmpeg_backend.video_command` / `audio_command` from
`parts._video_part` (sprite sheet and poster included, as on AWS), ffmpeg is run as
`ffmpeg_backend.run` runs it (stderr to a file, checked), and the part's outputs are read as
the function reads them (`ffmpeg_backend.segments`, `parts._video_facts`: segment list,
keyframe byte ranges, codec string). Not included: reading the source over HTTP from S3
(measured apart below, on a local range server), uploading the segments, recording the part
and assembling the playlists (a few database writes and small PUTs: in the projection). The
parts run on a pool of 1 or 2 threads, in plan order. First playable = the audio and every
lowest-rung part done; all rungs = every part done.

Sources are synthetic (lavfi testsrc2 + a sine tone, H.264 with a keyframe every 2 s, as
phones and screen recorders write, AAC 128 kbit/s). Synthetic pictures encode faster than
camera footage: a film-grain variant of the 1080p source (the same pattern with temporal
noise, a stand-in for a camera's sensor noise) measures how much, and the projection's
pessimistic case uses it (and one vCPU instead of 1.7). The audio is a sine tone: music or
speech may cost the AAC encoder somewhat more. Times are wall seconds on a machine shared with other work (load average beside
each), so every comparison is within one run and interleaved; ffmpeg's CPU seconds
(user + system of the process, from wait4) are beside them: they hold still under sharing
where wall time does not.
"""
from __future__ import annotations

import contextlib
import http.server
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import ROOT, configure, table

OUT = ROOT / "bench" / "out" / "transcode-parts"
PRESET = "veryfast"          # the default TRANSCODE_PRESET
SEGMENT_SECONDS = 4          # the default TRANSCODE_SEGMENT_SECONDS
CHUNK_SECONDS = 32           # the default TRANSCODE_CHUNK_SECONDS
MINUTES = [int(m) for m in os.environ.get("BENCH_PARTS_MINUTES", "1,5,20").split(",")]
# Sources up to this long are measured whole (single pass, 1 and 2 workers); longer ones by
# a sample of chunks (see _sampled).
FULL_UP_TO_MINUTES = int(os.environ.get("BENCH_PARTS_FULL_UP_TO", "5"))
SAMPLE_CHUNKS = 4
KEYFRAME_SECONDS = 2
SOURCE_720P_BITRATE = "3M"
# 60 minutes within the 2 GiB upload limit: at most ~4.7 Mbit/s on average.
SOURCE_1080P_BITRATE = "4500k"
HD_SECONDS = 72                  # three chunks: the middle one is whole and starts with a seek
GOAL_PLAYABLE_LOCAL_1MIN = 15.0
GOAL_PLAYABLE_LAMBDA, GOAL_DONE_LAMBDA = 60.0, 300.0

# --- Projection assumptions (not measurable here; each is said in the results) -------------
LAMBDA_VCPU = 1.7                # 3008 MB: Lambda gives 1 vCPU per 1,769 MB
LAMBDA_CONCURRENCY = 1000        # account default; the template reserves none by default
LAMBDA_SCALE_PER_SECOND = 100    # 1,000 new environments per 10 s per function
INVOKE_SECONDS = 0.030           # one async Invoke round trip
DISPATCH_WORKERS = 16            # pipeline.DISPATCH_WORKERS
S3_EVENT_SECONDS = 1.0           # S3 ObjectCreated -> planner invocation
ASYNC_QUEUE_SECONDS = 0.5        # async Invoke accepted -> part handler starts (cold)
COLD_START_SECONDS = 2.0         # part function: new environment + layer + imports + DB + secret
S3_REQUEST_SECONDS = 0.030       # first byte of a GET / a small PUT
S3_STREAM_BYTES_PER_SECOND = 80e6  # one GET or PUT stream from Lambda
RECORD_AND_ASSEMBLE_SECONDS = 0.5  # record the part, the finisher's playlists + master
AUDIO_SPLIT_SECONDS = 300        # the "audio in parts" alternative (not built)

_LOCK = threading.Lock()


# --- Baseline: the previous backend's single-pass command (commit 6401604) -----------------

def single_pass_command(source: str, out_dir: str, probe, rungs, *, preset: str,
                        segment_seconds: int) -> list[str]:
    """BASELINE, copied from functions/transcode/tuber_transcode/ffmpeg_backend.py at 6401604
    (`command`): one decode, split, one scale + encode per rung with the audio muxed into
    each, and a thumbnail. Only `tool("ffmpeg")` became "ffmpeg" resolved the same way."""
    from tuber_transcode import ladder
    from tuber_transcode.tools import tool

    def thumbnail_time(duration):
        return 1.0 if not duration else round(min(1.0, duration / 3), 3)

    gop = ladder.gop_frames(probe.fps, segment_seconds)
    branches = len(rungs) + 1
    graph = [f"[0:v]split={branches}" + "".join(f"[s{i}]" for i in range(branches))]
    for i, rung in enumerate(rungs):
        graph.append(f"[s{i}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1,"
                     f"format=yuv420p[v{i}]")
    graph.append(f"[s{len(rungs)}]trim=start={thumbnail_time(probe.duration_seconds)},"
                 "setpts=PTS-STARTPTS,scale='min(640,iw)':-2,setsar=1[thumb]")
    cmd = [tool("ffmpeg"), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
           "-i", source, "-filter_complex", ";".join(graph)]
    for i, rung in enumerate(rungs):
        folder = os.path.join(out_dir, rung.name)
        os.makedirs(folder, exist_ok=True)
        rate = rung.video_bitrate
        cmd += [
            "-map", f"[v{i}]", "-map", "0:a:0?",
            "-c:v", "libx264", "-preset", preset, "-profile:v", "main",
            "-b:v", str(rate), "-maxrate", str(int(rate * 1.1)), "-bufsize", str(rate * 2),
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
            "-force_key_frames", f"expr:gte(t,n_forced*{segment_seconds})",
            "-c:a", "aac", "-b:a", str(ladder.AUDIO_BITRATE), "-ac", "2", "-ar", "48000",
            "-f", "hls", "-hls_time", str(segment_seconds), "-hls_playlist_type", "vod",
            "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
            "-hls_segment_filename", os.path.join(folder, "seg_%05d.ts"),
            os.path.join(folder, "index.m3u8"),
        ]
    cmd += ["-map", "[thumb]", "-frames:v", "1", "-q:v", "3", os.path.join(out_dir, "thumb.jpg")]
    return cmd


# --- Running ffmpeg -------------------------------------------------------------------------

def _ffmpeg(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one ffmpeg process, run as ffmpeg_backend.run runs it (stdout
    discarded, stderr to a file, a non-zero exit is an error); CPU from wait4, every thread."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"ffmpeg failed: {err.read()[-2000:].decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def _dir_bytes(path: str) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def _load() -> float:
    return os.getloadavg()[0]


# --- Sources --------------------------------------------------------------------------------

def _generate(path: Path, width: int, height: int, seconds: int, bitrate: str,
              grain: bool = False) -> Path:
    if path.exists():
        return path
    video = f"testsrc2=size={width}x{height}:rate=30:duration={seconds}"
    if grain:
        video += ",noise=alls=12:allf=t+u"
    tmp = path.with_suffix(".tmp.mp4")
    subprocess.run([
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video,
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate,
        "-g", str(30 * KEYFRAME_SECONDS), "-keyint_min", str(30 * KEYFRAME_SECONDS),
        "-c:a", "aac", "-b:a", "128k", "-shortest", "-movflags", "+faststart", str(tmp)],
        check=True)
    tmp.rename(path)
    return path


def _looped(base: Path, path: Path, times: int) -> Path:
    """`times` copies of `base` back to back (stream copy: continuous timestamps)."""
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp.mp4")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                    "-stream_loop", str(times - 1), "-i", str(base), "-c", "copy",
                    "-movflags", "+faststart", str(tmp)], check=True)
    tmp.rename(path)
    return path


def _sources() -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    base = _generate(OUT / "720p30-1min.mp4", 1280, 720, 60, SOURCE_720P_BITRATE)
    found = {m: (base if m == 1 else _looped(base, OUT / f"720p30-{m}min.mp4", m))
             for m in MINUTES}
    # 1080p: three chunks, so the middle one is a full 32 s chunk that starts with a seek.
    found["1080p"] = _generate(OUT / f"1080p30-{HD_SECONDS}s.mp4", 1920, 1080, HD_SECONDS,
                               SOURCE_1080P_BITRATE)
    found["1080p-grain"] = _generate(OUT / f"1080p30-{HD_SECONDS}s-grain.mp4", 1920, 1080,
                                     HD_SECONDS,
                                     SOURCE_1080P_BITRATE, grain=True)
    return found


def _plan(source: str):
    from tuber_transcode import plan, tools

    probe = tools.probe(source)
    transcode = plan.make(probe, chunk_seconds=CHUNK_SECONDS, segment_seconds=SEGMENT_SECONDS,
                          max_short_side=1080)
    transcode["probe"] = probe.__dict__
    return probe, transcode


# --- One part, as the part function does it minus S3 and the database ------------------------

def run_part(source: str, probe, transcode: dict, task: dict, scratch: str) -> dict:
    from tuber_transcode import ffmpeg_backend, parts, plan

    track, index = task["track"], task["index"]
    started = time.perf_counter()
    out_dir = tempfile.mkdtemp(prefix="part-", dir=scratch)
    try:
        if track == plan.AUDIO:
            start, part = 0.0, None
            cmd = ffmpeg_backend.audio_command(source, probe, out_dir,
                                               segment_seconds=SEGMENT_SECONDS)
        else:
            part, start = parts._video_part(transcode, track, index)
            cmd = ffmpeg_backend.video_command(source, probe, part, out_dir, preset=PRESET)
        ffmpeg_wall, cpu = _ffmpeg(cmd)
        segments = ffmpeg_backend.segments(out_dir, start, SEGMENT_SECONDS)
        files = [(f"hls/bench/{track}/{s['uri']}", s.pop("path")) for s in segments]
        if part is not None:
            parts._video_facts(segments, files, out_dir, part, index, "hls/bench/")
        output_bytes = _dir_bytes(out_dir)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return {"track": track, "index": index, "wall": time.perf_counter() - started,
            "ffmpeg_wall": ffmpeg_wall, "cpu": cpu, "bytes": output_bytes,
            "segments": len(segments)}


def run_parts(source: str, probe, transcode: dict, workers: int, scratch: str,
              tasks: list[dict] | None = None) -> dict:
    """Every part (or `tasks`) on a pool of `workers` threads, in plan order."""
    from tuber_transcode import plan

    tasks = tasks if tasks is not None else plan.tasks("bench", transcode)
    t0 = time.perf_counter()

    def one(task):
        began = time.perf_counter() - t0
        found = run_part(source, probe, transcode, task, scratch)
        found.update(began=began, ended=time.perf_counter() - t0)
        return found

    load = _load()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(one, tasks))
    lowest = transcode["rungs"][0]["name"]
    playable = max(p["ended"] for p in done if p["track"] in (plan.AUDIO, lowest))
    return {"workers": workers, "playable": playable, "all": max(p["ended"] for p in done),
            "cpu": sum(p["cpu"] for p in done),
            "cpu_to_playable": sum(p["cpu"] for p in done if p["track"] in (plan.AUDIO, lowest)),
            "load": load, "parts": done}


def run_single(source: str, probe, scratch: str) -> dict:
    from tuber_transcode import ladder

    rungs = ladder.plan(probe.width, probe.height, 1080)
    out_dir = tempfile.mkdtemp(prefix="single-", dir=scratch)
    load = _load()
    try:
        wall, cpu = _ffmpeg(single_pass_command(source, out_dir, probe, rungs, preset=PRESET,
                                                segment_seconds=SEGMENT_SECONDS))
        output_bytes = _dir_bytes(out_dir)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return {"wall": wall, "cpu": cpu, "bytes": output_bytes, "load": load}


# --- Schedules from per-part times (the 20-minute shortcut, checked on the 5-minute source) ---

def simulate(durations: list[float], tracks: list[str], lowest: str, workers: int
             ) -> tuple[float, float]:
    """(first playable, all) of a FIFO pool of `workers` over parts taking `durations`."""
    free = [0.0] * workers
    ends = []
    for duration in durations:
        at = min(range(workers), key=free.__getitem__)
        free[at] += duration
        ends.append(free[at])
    playable = max(e for e, t in zip(ends, tracks) if t in ("audio", lowest))
    return playable, max(ends)


def _per_rung_median(parts: list[dict], key: str) -> dict[str, float]:
    by = {}
    for p in parts:
        by.setdefault(p["track"], []).append(p[key])
    return {t: statistics.median(v) for t, v in by.items()}


def _modelled(transcode: dict, medians: dict[str, float], workers: int) -> tuple[float, float]:
    from tuber_transcode import plan

    tasks = plan.tasks("bench", transcode)
    return simulate([medians[t["track"]] for t in tasks], [t["track"] for t in tasks],
                    transcode["rungs"][0]["name"], workers)


def _sampled(source: str, probe, transcode: dict, scratch: str, workers: int) -> dict:
    """A long source by a sample: every rung of SAMPLE_CHUNKS chunks spread over the file (deep
    seeks included; the short last chunk left out) and the audio part whole, on a pool of
    `workers`; the full schedule is then modelled from the per-rung medians."""
    from tuber_transcode import plan

    count = len(transcode["chunks"])
    picks = sorted({round(i * (count - 2) / (SAMPLE_CHUNKS - 1)) for i in range(SAMPLE_CHUNKS)})
    tasks = [t for t in plan.tasks("bench", transcode)
             if t["track"] == plan.AUDIO or t["index"] in picks]
    measured = run_parts(source, probe, transcode, workers, scratch, tasks)
    medians = _per_rung_median(measured["parts"], "wall")
    playable, finished = _modelled(transcode, medians, workers)
    cpu_medians = _per_rung_median(measured["parts"], "cpu")
    every = plan.tasks("bench", transcode)
    total_cpu = sum(cpu_medians[t["track"]] for t in every)
    to_playable = sum(cpu_medians[t["track"]] for t in every
                      if t["track"] in (plan.AUDIO, transcode["rungs"][0]["name"]))
    return {**measured, "playable": playable, "all": finished, "cpu": total_cpu,
            "cpu_to_playable": to_playable,
            "sample_chunks": picks, "sample_wall": measured["all"]}


# --- Overheads --------------------------------------------------------------------------------

def _process_start(repeat: int = 7) -> tuple[float, float]:
    """(wall, CPU) median of an ffmpeg that opens a tiny generated input and writes nothing."""
    from tuber_transcode.tools import tool

    samples = [_ffmpeg([tool("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error",
                        "-f", "lavfi", "-i", "color=size=16x16:duration=0.04", "-f", "null",
                        "-"]) for _ in range(repeat)]
    return (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples))


def _decode_only(source: str, probe, start: float, end: float | None) -> tuple[float, float]:
    """The part's input side alone: the same seek, decode and trim, nothing encoded."""
    from tuber_transcode import ffmpeg_backend
    from tuber_transcode.tools import tool

    origin = probe.start_seconds
    chain = f"trim=start={origin + start:.6f}" + (f":end={origin + end:.6f}" if end else "")
    return _ffmpeg([tool("ffmpeg"), "-hide_banner", "-nostdin", "-nostats", "-loglevel",
                    "error", *ffmpeg_backend._seek(probe, source, start), "-filter_complex",
                    f"[0:v:0]{chain}[v]", "-map", "[v]", "-f", "null", "-"])


class _RangeServer(http.server.ThreadingHTTPServer):
    """Serves one folder with byte ranges (as S3 does a presigned GET), counting requests and
    bytes sent."""
    daemon_threads = True

    def __init__(self, folder: Path):
        self.folder, self.requests, self.sent = folder, 0, 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = server.folder / os.path.basename(self.path.split("?")[0])
                size = path.stat().st_size
                first, last = 0, size - 1
                found = re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
                if found:
                    first = int(found.group(1))
                    last = min(size - 1, int(found.group(2)) if found.group(2) else size - 1)
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
                else:
                    self.send_response(200)
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(last - first + 1))
                self.end_headers()
                with _LOCK:
                    server.requests += 1
                with open(path, "rb") as handle:
                    handle.seek(first)
                    left = last - first + 1
                    while left > 0:
                        data = handle.read(min(left, 1 << 16))
                        try:
                            self.wfile.write(data)
                        except (BrokenPipeError, ConnectionResetError):
                            break
                        with _LOCK:
                            server.sent += len(data)
                        left -= len(data)

        super().__init__(("127.0.0.1", 0), Handler)


@contextlib.contextmanager
def _serving(folder: Path):
    server = _RangeServer(folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _over_http(server: _RangeServer, path: Path, task: dict, scratch: str) -> dict:
    """A part reading its source the way it does on AWS (an http URL, only the protocol it
    needs): requests made and bytes read, against the file's size."""
    from tuber_transcode import tools

    url = f"http://127.0.0.1:{server.server_address[1]}/{path.name}"
    probe_before, began = server.requests, time.perf_counter()
    probe = tools.probe(url)
    probe_wall, probe_requests = time.perf_counter() - began, server.requests - probe_before
    _, transcode = _plan(str(path))
    with _LOCK:
        server.requests = server.sent = 0
    found = run_part(url, probe, transcode, task, scratch)
    return {**found, "requests": server.requests, "read": server.sent,
            "file": path.stat().st_size, "probe_requests": probe_requests,
            "probe_wall": probe_wall}


def _import_seconds(repeat: int = 5) -> tuple[float, float]:
    """(wall, CPU) medians of a fresh interpreter importing the part function's handler."""
    import sys

    code = ("import time; t, c = time.perf_counter(), time.process_time(); "
            "import tuber_transcode.handler; "
            "print(time.perf_counter() - t, time.process_time() - c)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "layers/common"), str(ROOT / "functions/transcode")])}
    samples = [[float(v) for v in subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True,
        text=True).stdout.split()] for _ in range(repeat)]
    return (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples))


def _audio_copy(source: str) -> tuple[float, float]:
    """The audio part's input side alone: the audio stream copied out, nothing encoded (what
    an audio part would cost if it kept an AAC source's audio as it is)."""
    from tuber_transcode.tools import tool

    with tempfile.TemporaryDirectory() as out:
        return _ffmpeg([tool("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error",
                        "-i", source, "-map", "0:a:0", "-c:a", "copy", "-f", "mpegts",
                        os.path.join(out, "audio.ts")])


# --- Measure ----------------------------------------------------------------------------------

def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _distribution(parts: list[dict], key: str = "wall") -> dict[str, dict]:
    by: dict[str, list[float]] = {}
    for p in parts:
        by.setdefault(p["track"], []).append(p[key])
    return {t: {"n": len(v), "p50": _pct(v, 0.5), "p90": _pct(v, 0.9), "max": max(v)}
            for t, v in by.items()}


def _round_robin(minutes: int, path: str, scratch: str, rounds: int, log) -> dict:
    probe, transcode = _plan(path)
    runs = {"single": [], "w1": [], "w2": []}
    order = ["single", "w1", "w2"]
    for r in range(rounds):
        for kind in (order if r % 2 == 0 else order[::-1]):  # ABC CBA: drift cancels
            if kind == "single":
                found = run_single(path, probe, scratch)
            else:
                found = run_parts(path, probe, transcode, int(kind[1]), scratch)
            runs[kind].append(found)
            log(f"{minutes} min {kind}: " + (
                f"{found['wall']:.1f} s" if kind == "single" else
                f"playable {found['playable']:.1f} s, all {found['all']:.1f} s")
                + f" (CPU {found['cpu']:.0f} s, load {found['load']:.1f})")
    return {"transcode": transcode, "runs": runs}


def measure() -> tuple[str, dict]:
    configure("mongodb://127.0.0.1:1/", "unused")  # settings only: nothing here uses Mongo
    from tuber_transcode import plan

    started = time.monotonic()

    def log(message: str) -> None:
        print(f"  [{time.monotonic() - started:6.0f} s, load {_load():4.1f}] {message}",
              flush=True)

    sources = _sources()
    log("sources ready")
    results: dict = {"sources": {str(k): str(v) for k, v in sources.items()}, "lengths": {}}
    scratch = tempfile.mkdtemp(prefix="tuber-bench-parts-")
    try:
        # Overheads first: small and quick.
        start_wall, start_cpu = _process_start()
        import_wall, import_cpu = _import_seconds()
        log(f"ffmpeg start {start_wall * 1000:.0f} ms; handler import {import_wall * 1000:.0f} ms")
        results["ffmpeg_start"] = {"wall": start_wall, "cpu": start_cpu}
        results["handler_import"] = {"wall": import_wall, "cpu": import_cpu}

        for minutes in MINUTES:
            path = str(sources[minutes])
            if minutes <= FULL_UP_TO_MINUTES:
                rounds = int(os.environ.get("BENCH_PARTS_ROUNDS", 0)) or (2 if minutes <= 1 else 1)
                found = _round_robin(minutes, path, scratch, rounds, log)
                transcode = found["transcode"]
                lowest = transcode["rungs"][0]["name"]
                w1_parts = [p for run in found["runs"]["w1"] for p in run["parts"]]
                medians = _per_rung_median(w1_parts, "wall")
                w2_medians = _per_rung_median(
                    [p for run in found["runs"]["w2"] for p in run["parts"]], "wall")
                model = {"w1": _modelled(transcode, medians, 1),
                         "w2": _modelled(transcode, w2_medians, 2)}
                results["lengths"][minutes] = {
                    "mode": "full", "rounds": rounds, "chunks": len(transcode["chunks"]),
                    "bytes": os.path.getsize(path),
                    "rungs": [r["name"] for r in transcode["rungs"]], "lowest": lowest,
                    "runs": found["runs"], "model": model}
            else:
                probe, transcode = _plan(path)
                sampled = {}
                for workers in (1, 2):
                    sampled[f"w{workers}"] = _sampled(path, probe, transcode, scratch, workers)
                    s = sampled[f"w{workers}"]
                    log(f"{minutes} min sampled w{workers}: chunks {s['sample_chunks']} in "
                        f"{s['sample_wall']:.0f} s -> modelled playable {s['playable']:.0f} s, "
                        f"all {s['all']:.0f} s")
                results["lengths"][minutes] = {
                    "mode": "sampled", "chunks": len(transcode["chunks"]),
                    "rungs": [r["name"] for r in transcode["rungs"]],
                    "lowest": transcode["rungs"][0]["name"], "sampled": sampled,
                    "bytes": os.path.getsize(path)}

        # Where a part's time goes: decode-only of the same chunk (seek + decode + trim) and
        # the part's Python side (its wall minus ffmpeg's).
        longest_full = max(m for m in MINUTES if m <= FULL_UP_TO_MINUTES)
        path = str(sources[longest_full])
        probe, transcode = _plan(path)
        decode = []
        for index in sorted({0, 1, len(transcode["chunks"]) // 2}):
            start, end = transcode["chunks"][index]
            wall, cpu = _decode_only(path, probe, start, end)
            decode.append({"index": index, "start": start, "wall": wall, "cpu": cpu})
        log(f"decode only: {[round(d['cpu'], 2) for d in decode]} CPU s")
        results["decode_only"] = {"source_minutes": longest_full, "chunks": decode}
        longest = max(MINUTES)
        copy_wall, copy_cpu = _audio_copy(str(sources[longest]))
        results["audio_copy"] = {"source_minutes": longest, "wall": copy_wall, "cpu": copy_cpu}
        log(f"audio copy of {longest} min: {copy_cpu:.1f} CPU s")

        # 1080p: the middle chunk at every rung, twice, rung order reversed the second time;
        # its film-grain twin at the lowest and the top rung.
        hd = {}
        for name in ("1080p", "1080p-grain"):
            probe, transcode = _plan(str(sources[name]))
            names = [r["name"] for r in transcode["rungs"]]
            if name.endswith("grain"):
                names = [names[0], names[-1]]
            found: dict[str, list] = {n: [] for n in names}
            for rep in range(1 if name.endswith("grain") else 2):
                for rung in (names if rep % 2 == 0 else names[::-1]):
                    part = run_part(str(sources[name]), probe, transcode,
                                    {"track": rung, "index": 1}, scratch)
                    found[rung].append(part)
            hd[name] = {r: {"wall": statistics.median(p["wall"] for p in v),
                            "cpu": statistics.median(p["cpu"] for p in v),
                            "bytes": v[0]["bytes"], "segments": v[0]["segments"]}
                        for r, v in found.items()}
            log(f"{name} chunk 1: " + ", ".join(
                f"{r} {v['cpu']:.1f} CPU s" for r, v in hd[name].items()))
        results["hd"] = hd

        # Over HTTP: what a part reads of its source (as from S3 by a presigned URL).
        http_runs = {}
        with _serving(OUT) as server:
            for label, source_key, task in (
                    ("1080p, chunk 1 at 240p", "1080p", {"track": "240p", "index": 1}),
                    ("1080p, audio", "1080p", {"track": plan.AUDIO, "index": 0}),
                    (f"720p {max(MINUTES)} min, audio", max(MINUTES),
                     {"track": plan.AUDIO, "index": 0})):
                http_runs[label] = _over_http(server, Path(sources[source_key]), task, scratch)
                local = run_part(str(sources[source_key]), _plan(str(sources[source_key]))[0],
                                 _plan(str(sources[source_key]))[1], task, scratch)
                http_runs[label]["local_wall"] = local["wall"]
                h = http_runs[label]
                log(f"http {label}: {h['requests']} requests, {h['read'] / 1e6:.1f} of "
                    f"{h['file'] / 1e6:.1f} MB, {h['wall']:.1f} s (local file {local['wall']:.1f})")
        results["http"] = http_runs
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["elapsed_s"] = time.monotonic() - started
    results = json.loads(json.dumps(results))  # as stored: string keys
    (OUT / "last.json").write_text(json.dumps(results, indent=1))
    return report(results), results


# --- Report -----------------------------------------------------------------------------------

def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def _s(value: float) -> str:
    return f"{value:.1f}"


def _x(value: float) -> str:
    return f"{value:.2f}x"


def _rung_pixels(name: str) -> int:
    short = int(name.rstrip("p"))
    return short * (short * 16 // 9)


def project(results: dict, chunk_seconds: int, *, pessimistic: bool,
            audio_mode: str = "one") -> dict:
    """Wall time on Lambda of a 60-minute 1080p30 upload, from the measured 1080p parts (CPU
    seconds of a 32 s chunk at each rung), audio part and overheads, and the assumptions at
    the top of this file. Optimistic: synthetic pictures, a part uses all 1.7 vCPU, reading
    overlaps encoding. Pessimistic: film-grain pictures, one vCPU's worth, reading and
    encoding one after the other. audio_mode: "one" (as built: one audio part), or, not
    built, "split" (audio parts of AUDIO_SPLIT_SECONDS) or "copy" (an AAC source's audio
    kept as it is: demuxed, not encoded)."""
    duration, segment = 3600, SEGMENT_SECONDS
    length = max(1, math.ceil(chunk_seconds / segment)) * segment
    chunks = math.ceil(duration / length)
    hd, grain = results["hd"]["1080p"], results["hd"]["1080p-grain"]
    rungs = list(hd)
    factor = {}
    low, top = rungs[0], rungs[-1]
    f_low, f_top = grain[low]["cpu"] / hd[low]["cpu"], grain[top]["cpu"] / hd[top]["cpu"]
    for r in rungs:  # film-grain factor interpolated on pixel count between 240p and 1080p
        w = (_rung_pixels(r) - _rung_pixels(low)) / (_rung_pixels(top) - _rung_pixels(low))
        factor[r] = f_low + (f_top - f_low) * w
    vcpu = 1.0 if pessimistic else LAMBDA_VCPU
    start_cpu = results["ffmpeg_start"]["cpu"]
    http = results["http"]["1080p, chunk 1 at 240p"]
    bytes_per_second = (_bitrate(SOURCE_1080P_BITRATE) + 128_000) / 8
    # What a part reads: its stretch of the source plus what was in flight when it stopped.
    overshoot = max(0.0, http["read"] - http["file"] * 32 / HD_SECONDS)

    def reading(seconds: float, requests: int) -> float:
        return requests * S3_REQUEST_SECONDS + (bytes_per_second * seconds + overshoot) \
            / S3_STREAM_BYTES_PER_SECOND

    fixed = ASYNC_QUEUE_SECONDS + COLD_START_SECONDS + RECORD_AND_ASSEMBLE_SECONDS
    part_wall = {}
    for r in rungs:
        cpu = (hd[r]["cpu"] - start_cpu) / 32 * length * (factor[r] if pessimistic else 1)
        encode = start_cpu + cpu / vcpu
        read = reading(length, http["requests"])
        out = hd[r]["bytes"] / 32 * length
        upload = out / S3_STREAM_BYTES_PER_SECOND + math.ceil(
            length / segment / 8) * S3_REQUEST_SECONDS
        part_wall[r] = fixed + (encode + read if pessimistic else max(encode, read)) + upload
    # The audio: AAC is encoded on one thread, whatever the vCPUs.
    per_second = (results["audio_copy"]["cpu"] / (results["audio_copy"]["source_minutes"] * 60)
                  if audio_mode == "copy" else _audio_cpu_per_second(results))
    span = AUDIO_SPLIT_SECONDS if audio_mode == "split" else duration
    audio_parts = math.ceil(duration / span)
    audio_cpu = start_cpu + per_second * span
    audio_read = reading(span, 1 if span == duration else 2)
    audio_upload = (span / segment) * 2 * S3_REQUEST_SECONDS / 8 \
        + span * 128_000 / 8 / S3_STREAM_BYTES_PER_SECOND
    audio_wall = fixed + (audio_cpu + audio_read if pessimistic else max(audio_cpu, audio_read)) \
        + audio_upload
    probe = http["probe_requests"] * S3_REQUEST_SECONDS + http["probe_wall"]
    planner = S3_EVENT_SECONDS + COLD_START_SECONDS + probe + 0.1
    # Parts in plan order: audio, the lowest rung chunk by chunk, then each higher rung.
    order = [("audio", audio_wall)] * audio_parts + [
        (r, part_wall[r]) for r in rungs for _ in range(chunks)]
    slots = [0.0] * min(LAMBDA_CONCURRENCY, len(order))
    ends = []
    for k, (track, wall) in enumerate(order):
        sent = planner + math.ceil((k + 1) / DISPATCH_WORKERS) * INVOKE_SECONDS
        # Past the first 1,000 environments, Lambda adds them at 1,000 per 10 s.
        ready = max(sent, planner + (k - 1000) / LAMBDA_SCALE_PER_SECOND) if k >= 1000 else sent
        at = min(range(len(slots)), key=slots.__getitem__)
        began = max(ready, slots[at])
        if slots[at] > 0:  # an environment freed by an earlier part: warm
            wall -= COLD_START_SECONDS
        slots[at] = began + wall
        ends.append((track, slots[at]))
    audio_done = max(e for t, e in ends if t == "audio")
    lowest_done = max(e for t, e in ends if t == low)
    return {"chunk_seconds": length, "chunks": chunks, "parts": len(order),
            "audio_parts": audio_parts, "waves": math.ceil(len(order) / LAMBDA_CONCURRENCY),
            "planner": planner, "probe": probe,
            "dispatch_all": math.ceil(len(order) / DISPATCH_WORKERS) * INVOKE_SECONDS,
            "part_wall": part_wall, "audio_wall": audio_wall, "audio_cpu": audio_cpu,
            "audio_read": audio_read, "factor": factor, "lowest_done": lowest_done,
            "audio_done": audio_done, "playable": max(audio_done, lowest_done),
            "video_done": max(e for t, e in ends if t != "audio"),
            "complete": max(e for _, e in ends)}


def _bitrate(text: str) -> float:
    return float(text.rstrip("kM")) * (1000 if text.endswith("k") else 1e6)


def _audio_cpu_per_second(results: dict) -> float:
    """CPU seconds of the audio part per source second, from the longest source measured."""
    best = None
    for minutes, found in results["lengths"].items():
        runs = (found["sampled"]["w1"]["parts"] if found["mode"] == "sampled"
                else [p for run in found["runs"]["w1"] for p in run["parts"]])
        audio = [p["cpu"] for p in runs if p["track"] == "audio"]
        if audio and (best is None or int(minutes) > best[0]):
            best = (int(minutes), statistics.median(audio) / (int(minutes) * 60))
    return best[1]


def report(results: dict) -> str:
    lengths = results["lengths"]
    any_found = next(iter(lengths.values()))
    rungs = any_found["rungs"]
    lines = [
        f"Sources: 1280x720 30 fps, H.264 {SOURCE_720P_BITRATE}bit/s with a keyframe every "
        f"{KEYFRAME_SECONDS} s, AAC stereo; " + ", ".join(
            f"{m} min ({found['chunks']} chunks, {found['chunks'] * len(rungs) + 1} parts, "
            + ("measured whole" if found["mode"] == "full" else "sampled") + ")"
            for m, found in lengths.items())
        + f". Ladder {', '.join(rungs)} (the same rungs and bitrates for both); chunks of "
        f"{CHUNK_SECONDS} s, segments of {SEGMENT_SECONDS} s, preset {PRESET}. The machine is "
        "shared: the load average (2 cores) is given for each run; the single pass and the "
        "parts alternate in each round (single, 1 worker, 2 workers, then reversed).", ""]

    # Time to first playable and to all rungs.
    rows, ratios = [], {}
    for m, found in lengths.items():
        if found["mode"] == "full":
            runs = found["runs"]
            single = _mean(r["wall"] for r in runs["single"])
            cpu = _s(_mean(r["cpu"] for r in runs["single"]))
            rows.append([f"{m} min", "single pass (baseline)", _s(single), _s(single),
                         "1.00x", "1.00x", f"{cpu} ({cpu})",
                         "/".join(f"{r['load']:.1f}" for r in runs["single"])])
            for kind in ("w1", "w2"):
                playable = _mean(r["playable"] for r in runs[kind])
                done = _mean(r["all"] for r in runs[kind])
                ratios[(m, kind)] = (playable / single, done / single, playable, done)
                rows.append([f"{m} min", f"parts, {kind[1]} worker{'s' if kind == 'w2' else ''}",
                             _s(playable), _s(done), _x(playable / single), _x(done / single),
                             f"{_s(_mean(r['cpu'] for r in runs[kind]))} "
                             f"({_s(_mean(r['cpu_to_playable'] for r in runs[kind]))})",
                             "/".join(f"{r['load']:.1f}" for r in runs[kind])])
        else:
            ref = max((k for k, f in lengths.items() if f["mode"] == "full"), key=int)
            ref_runs = lengths[ref]["runs"]["single"]
            scale = int(m) / int(ref)
            single = _mean(r["wall"] for r in ref_runs) * scale
            cpu = _s(_mean(r["cpu"] for r in ref_runs) * scale)
            rows.append([f"{m} min", f"single pass: the {ref}-min run x {scale:g} (not run)",
                         _s(single), _s(single), "1.00x", "1.00x", f"{cpu} ({cpu})", "-"])
            for kind in ("w1", "w2"):
                s = found["sampled"][kind]
                ratios[(m, kind)] = (s["playable"] / single, s["all"] / single, s["playable"],
                                     s["all"])
                rows.append([f"{m} min", f"parts, {kind[1]} worker{'s' if kind == 'w2' else ''}"
                             f": modelled from chunks {s['sample_chunks']}",
                             _s(s["playable"]), _s(s["all"]), _x(s["playable"] / single),
                             _x(s["all"] / single),
                             f"{_s(s['cpu'])} ({_s(s['cpu_to_playable'])})", f"{s['load']:.1f}"])
    lines += ["### Time to first playable and to all rungs", "",
              "Seconds from the start of the encode (no upload, no S3, no database). The single "
              "pass is playable only when it is done. ffmpeg CPU s: user + system seconds of "
              "every ffmpeg process of the run (in brackets: of the parts the video needs to "
              "be playable, the audio and the lowest rung). Two rounds: their mean. On a "
              "machine this loaded, wall time measures a process's share of the cores as much "
              "as its work: the single pass runs four encoders' threads at once and gets a "
              "larger share than one part at a time, so the wall ratios favour the baseline; "
              "the CPU seconds compare the work itself.", "",
              table(["source", "run", "first playable s", "all rungs s",
                     "playable vs single pass", "all rungs vs single pass",
                     "ffmpeg CPU s (to playable)", "load avg at start"], rows), ""]

    # The model's check against a source measured whole.
    checks = []
    for m, found in lengths.items():
        if found["mode"] != "full":
            continue
        for kind in ("w1", "w2"):
            mp, md = found["model"][kind]
            p, d = (_mean(r["playable"] for r in found["runs"][kind]),
                    _mean(r["all"] for r in found["runs"][kind]))
            checks.append([f"{m} min", kind[1], _s(p), _s(mp), _s(d), _s(md)])
    sampled = [m for m, f in lengths.items() if f["mode"] == "sampled"]
    if sampled:
        lines += [
            f"The {', '.join(sampled)}-minute source is too long to encode three times over on "
            f"two shared cores, so it is measured by a sample: every rung of "
            f"{len(lengths[sampled[0]]['sampled']['w1']['sample_chunks'])} "
            "chunks spread over the file (seeks deep into it included; the shorter last chunk "
            "left out) and its audio part whole, run on the same pool (1, then 2 workers); "
            "the full schedule is then played out with each part taking its rung's median "
            "time (a FIFO pool in plan order). The single pass, one streaming process whose "
            "time grows with the duration, is the 5-minute run scaled. Each sample's part "
            "times carry the load of their own moment (with 2 workers, the parts share the "
            "two cores with each other as well as with other work). The same model, fed "
            "the per-rung medians of the sources measured whole, against what was measured:",
            "", table(["source", "workers", "playable measured s", "playable modelled s",
                       "all measured s", "all modelled s"], checks), ""]

    # Per-part distribution.
    rows = []
    for m, found in lengths.items():
        if found["mode"] == "full":
            w1 = [p for run in found["runs"]["w1"] for p in run["parts"]]
            w2 = [p for run in found["runs"]["w2"] for p in run["parts"]]
        else:
            w1, w2 = found["sampled"]["w1"]["parts"], found["sampled"]["w2"]["parts"]
        d1, c1, d2 = _distribution(w1), _distribution(w1, "cpu"), _distribution(w2)
        f1 = _distribution(w1, "ffmpeg_wall")
        for track, d in d1.items():
            rows.append([f"{m} min", track, d["n"], _s(d["p50"]), _s(d["p90"]), _s(d["max"]),
                         _s(c1[track]["p50"]), f"{(d['p50'] - f1[track]['p50']) * 1000:.0f}",
                         _s(d2[track]["p50"])])
    lines += ["### Per-part times", "",
              "Wall seconds of each part with 1 worker (every round pooled), its ffmpeg CPU "
              "seconds, the part's own work beside ffmpeg (wall minus ffmpeg's wall: reading "
              "the segment list, scanning the segments for keyframes and the codec string), and "
              "the median with 2 workers (two parts share the two cores). The lowest rung's "
              "chunk 0 also makes the poster, each lowest-rung chunk a sprite sheet.", "",
              table(["source", "part", "n", "p50 s", "p90 s", "max s", "p50 CPU s",
                     "p50 besides ffmpeg ms", "p50 with 2 workers s"], rows), ""]

    # Overheads.
    start = results["ffmpeg_start"]
    decode = results["decode_only"]
    dm = decode["source_minutes"]
    w1 = [p for run in lengths[str(dm)]["runs"]["w1"] for p in run["parts"]]
    rows = []
    for d in decode["chunks"]:
        same = {p["track"]: p["cpu"] for p in w1 if p["index"] == d["index"]}
        rows.append([d["index"], f"{d['start']:.0f}", _s(d["cpu"]),
                     f"{d['cpu'] / same[rungs[0]]:.0%}", f"{d['cpu'] / same[rungs[-1]]:.0%}"])
    lines += ["### Per-part overheads", "",
              f"- ffmpeg process start (a 16x16 generated input, nothing written): "
              f"{start['wall'] * 1000:.0f} ms wall, {start['cpu'] * 1000:.0f} ms CPU, per part.",
              f"- The part function's handler imported by a fresh interpreter (part of a Lambda "
              f"cold start; the Cold start section measures it as shipped): "
              f"{results['handler_import']['wall'] * 1000:.0f} ms wall, "
              f"{results['handler_import']['cpu'] * 1000:.0f} ms CPU.",
              "- Seek + decode: every part decodes its chunk at the source's full size, whatever "
              "its rung (the single pass decodes once for all rungs). The same seek, decode and "
              f"trim with nothing encoded, on the {dm}-minute source, against the whole part's "
              "CPU for that chunk:", "",
              table(["chunk", "starts at s", "decode-only CPU s", "of the lowest rung's part",
                     f"of the {rungs[-1]} part"], rows), ""]
    rows = []
    for label, h in results["http"].items():
        rows.append([label, h["requests"], f"{h['read'] / 1e6:.1f}", f"{h['file'] / 1e6:.1f}",
                     _s(h["wall"]), _s(h["local_wall"]), h["probe_requests"]])
    lines += ["Reading the source over HTTP, as a part reads its presigned S3 URL (here a local "
              "server that honours byte ranges and counts what it sends): requests made and "
              "bytes sent to the part, and the probe's requests. A video part asks for its "
              "stretch to the end of the file and closes the connection when its chunk is done: "
              "what was sent beyond the chunk is what sat in the socket buffers (a few MB). "
              "The audio part reads the whole file.", "",
              table(["part", "requests", "MB read", "file MB", "wall over HTTP s",
                     "wall from the file s", "ffprobe requests"], rows), ""]

    # 1080p.
    hd, grain = results["hd"]["1080p"], results["hd"]["1080p-grain"]
    rows = []
    for r, v in hd.items():
        g = grain.get(r)
        rows.append([r, _s(v["cpu"]), _s(v["wall"]),
                     _s(g["cpu"]) if g else "-", _x(g["cpu"] / v["cpu"]) if g else "-",
                     f"{v['bytes'] / 1e6:.1f}", v["segments"]])
    lines += ["### 1080p parts, measured", "",
              f"The middle chunk (32-64 s, starting with a seek) of a 72 s 1920x1080 30 fps "
              f"source ({SOURCE_1080P_BITRATE}bit/s: 60 minutes of it fit the 2 GiB upload "
              "limit), each rung encoded alone with 1 worker, twice (rung order reversed the "
              "second time; medians); the film-grain twin (testsrc2 + temporal noise) at the "
              "lowest and the top rung. At a fixed bitrate x264's work depends little on the "
              "picture (the bits to code are the same), so the grain costs little here; camera "
              "footage with fast motion may cost more (a wider motion search), which the "
              "pessimistic case's single vCPU (instead of 1.7) leaves room for.", "",
              table(["rung", "CPU s (synthetic)", "wall s", "CPU s (film grain)", "grain factor",
                     "output MB", "segments"], rows), ""]

    # Projection.
    opt = project(results, CHUNK_SECONDS, pessimistic=False)
    pes = project(results, CHUNK_SECONDS, pessimistic=True)
    audio_cps = _audio_cpu_per_second(results)
    top = list(hd)[-1]
    http = results["http"]["1080p, chunk 1 at 240p"]
    lines += [
        "### Projection: a 60-minute 1080p upload on Lambda", "",
        f"Part function: 3008 MB, which Lambda gives {LAMBDA_VCPU} vCPU (1 vCPU per 1,769 MB). "
        "This machine's vCPU (AMD EPYC, a hyperthread of a shared host) is taken as worth one "
        "Lambda vCPU (Lambda's x86 vCPUs are also hyperthreads of current Xeon/EPYC hosts); "
        "CPU seconds measured here under sharing are, if anything, higher than on an idle "
        "core. Fan-out: the template reserves no concurrency for transcoding by default "
        f"(TranscodeReservedConcurrency 0), so the account's {LAMBDA_CONCURRENCY} (the default "
        "quota; new accounts may start lower) is the width, and a function may add 1,000 "
        "environments per 10 s. The 1080p parts are the measured ones above (CPU seconds of "
        "a 32 s chunk, scaled to the chunk length); the audio part's CPU per source second is "
        "the longest source's.",
        "",
        f"Assumed, not measured here: S3 event to planner {S3_EVENT_SECONDS:g} s; a cold "
        f"start of {COLD_START_SECONDS:g} s (new environment, Python, the ffmpeg layer, imports "
        f"- {results['handler_import']['cpu'] * 1000:.0f} ms CPU here -, the secret and the "
        f"MongoDB connection); {ASYNC_QUEUE_SECONDS:g} s from an async Invoke to its handler; "
        f"each Invoke {INVOKE_SECONDS * 1000:.0f} ms on {DISPATCH_WORKERS} threads (the "
        f"planner's pool); an S3 request {S3_REQUEST_SECONDS * 1000:.0f} ms to first byte and "
        f"{S3_STREAM_BYTES_PER_SECOND / 1e6:.0f} MB/s per stream, for reading the source and "
        f"for the 8 parallel uploads of a part's segments alike; recording a part and (for a "
        f"rung's last part) its playlists and the master {RECORD_AND_ASSEMBLE_SECONDS:g} s.",
        "",
        f"Arithmetic (chunk length {opt['chunk_seconds']} s, the default):",
        f"- {opt['chunks']} chunks x {len(hd)} rungs ({', '.join(hd)}) + 1 audio part = "
        f"{opt['parts']} invocations: {opt['waves']} wave(s) of at most {LAMBDA_CONCURRENCY}.",
        f"- Planner: event {S3_EVENT_SECONDS:g} + cold start {COLD_START_SECONDS:g} + probe over "
        f"the URL ({http['probe_requests']} request(s), {opt['probe']:.1f} s) + the run's record "
        f"0.1 = {opt['planner']:.1f} s; then every Invoke is sent within "
        f"{opt['dispatch_all']:.1f} s (ceil({opt['parts']} / {DISPATCH_WORKERS}) x "
        f"{INVOKE_SECONDS * 1000:.0f} ms), the audio and the lowest rung within the first "
        f"{math.ceil((opt['chunks'] + 1) / DISPATCH_WORKERS) * INVOKE_SECONDS:.1f} s.",
        f"- A video part = queue + cold start + record "
        f"({ASYNC_QUEUE_SECONDS + COLD_START_SECONDS + RECORD_AND_ASSEMBLE_SECONDS:g} s) + ffmpeg "
        f"(start + the measured 1080p CPU scaled to a {opt['chunk_seconds']} s chunk, / "
        f"{LAMBDA_VCPU} or 1 vCPU; its {http['requests']} requests and its stretch of the "
        "source read alongside, or before, pessimistic) + the upload of its segments "
        "(size as measured):",
        "", table(["rung", "optimistic s (synthetic, 1.7 vCPU, read overlaps)",
                   "pessimistic s (film grain x the factor above, 1 vCPU, read then encode)"],
                  [[r, _s(opt["part_wall"][r]), _s(pes["part_wall"][r])] for r in hd]), "",
        f"- The audio part reads the whole source, "
        f"{3600 * (_bitrate(SOURCE_1080P_BITRATE) + 128000) / 8 / 1e9:.2f} GB "
        f"({opt['audio_read']:.0f} s at {S3_STREAM_BYTES_PER_SECOND / 1e6:.0f} MB/s), and "
        f"encodes AAC on one thread ({audio_cps * 60:.2f} CPU s per source minute measured, "
        f"{opt['audio_cpu']:.0f} s for 60 minutes): {opt['audio_wall']:.0f} s optimistic "
        f"(reading and encoding overlap), {pes['audio_wall']:.0f} s pessimistic.",
        f"- First playable = the later of the audio part and the last lowest-rung part, from "
        f"the upload: {opt['playable']:.0f} s optimistic, {pes['playable']:.0f} s pessimistic "
        f"(the lowest rung alone is done by {opt['lowest_done']:.0f} / "
        f"{pes['lowest_done']:.0f} s, the audio by {opt['audio_done']:.0f} / "
        f"{pes['audio_done']:.0f} s). Goal {GOAL_PLAYABLE_LAMBDA:.0f} s: "
        + _verdict(opt["playable"], pes["playable"], GOAL_PLAYABLE_LAMBDA) + ".",
        f"- All rungs = the last part: {opt['complete']:.0f} s optimistic, "
        f"{pes['complete']:.0f} s pessimistic (every video part by {opt['video_done']:.0f} / "
        f"{pes['video_done']:.0f} s). Goal {GOAL_DONE_LAMBDA:.0f} s: "
        + _verdict(opt["complete"], pes["complete"], GOAL_DONE_LAMBDA) + ".", ""]

    rows = []
    for length in (16, 32, 64, 128):
        o = project(results, length, pessimistic=False)
        p = project(results, length, pessimistic=True)
        rows.append([o["chunk_seconds"], o["parts"], o["waves"],
                     f"{_s(o['part_wall'][top])} / {_s(p['part_wall'][top])}",
                     f"{o['lowest_done']:.0f} / {p['lowest_done']:.0f}",
                     f"{o['video_done']:.0f} / {p['video_done']:.0f}",
                     f"{o['playable']:.0f} / {p['playable']:.0f}",
                     f"{o['complete']:.0f} / {p['complete']:.0f}"])
    lines += ["The same projection for other chunk lengths (optimistic / pessimistic seconds "
              "from the upload):", "",
              table(["chunk s", "invocations", "waves", f"{top} part s", "lowest rung done",
                     "every video part done", "first playable", "all rungs"], rows), ""]
    rows = []
    for mode, label in (("one", "one audio part (as built)"),
                        ("split", f"audio in parts of {AUDIO_SPLIT_SECONDS // 60} minutes "
                                  "(not built)"),
                        ("copy", "audio kept as it is when it is AAC (not built)")):
        o = project(results, CHUNK_SECONDS, pessimistic=False, audio_mode=mode)
        p = project(results, CHUNK_SECONDS, pessimistic=True, audio_mode=mode)
        rows.append([label, o["audio_parts"], f"{o['audio_wall']:.0f} / {p['audio_wall']:.0f}",
                     f"{o['playable']:.0f} / {p['playable']:.0f}",
                     _verdict(o["playable"], p["playable"], GOAL_PLAYABLE_LAMBDA)])
    copy = results["audio_copy"]
    lines += ["The audio part sets first playable. What it would be if the audio were not one "
              f"part (chunks of {CHUNK_SECONDS} s; the copy's CPU measured on the "
              f"{copy['source_minutes']}-minute source: {copy['cpu']:.1f} s, "
              f"{copy['cpu'] / copy['source_minutes']:.2f} s per minute, against "
              f"{audio_cps * 60:.2f} s per minute to encode; a copy still reads the whole "
              "source):", "",
              table(["audio", "audio parts", "an audio part s", "first playable s",
                     f"goal {GOAL_PLAYABLE_LAMBDA:.0f} s"], rows), "",
              "Neither is built, and each has a cost: AAC parts must be joined without a click "
              "(each encode starts with priming samples: encode a little before the part's "
              "start and cut at an AAC frame boundary), and a copied track must already be "
              "AAC-LC, stereo, at a sane bitrate (else encode it as now).", ""]

    short, default, long_ = (project(results, n, pessimistic=True) for n in (16, 32, 64))
    overhead = ASYNC_QUEUE_SECONDS + COLD_START_SECONDS + RECORD_AND_ASSEMBLE_SECONDS
    lines += [
        f"Chunk length: the lowest rung is done by {default['lowest_done']:.0f} s "
        f"(pessimistic) at {default['chunk_seconds']} s chunks and by "
        f"{short['lowest_done']:.0f} s at {short['chunk_seconds']} s, so shorter chunks do not "
        "bring first playable forward (the audio part and the planner set it); they double "
        f"the invocations ({short['parts']}: more than the default concurrency of "
        f"{LAMBDA_CONCURRENCY}, so {short['waves']} waves) and the fixed cost per part "
        f"(about {overhead:g} s of queue, cold start and recording, "
        f"{overhead / short['part_wall'][top]:.0%} of a {short['chunk_seconds']} s {top} part "
        f"against {overhead / default['part_wall'][top]:.0%} at {default['chunk_seconds']} s). "
        f"Longer chunks ({long_['chunk_seconds']} s: {long_['parts']} invocations) still "
        f"finish every video part by {long_['video_done']:.0f} s, within the "
        f"{GOAL_DONE_LAMBDA:.0f} s goal, and take half the concurrency, which the API "
        "functions share unless it is reserved; the price is a later finish and a longer "
        "retry when a part fails.", ""]

    one = {k: v for k, v in ratios.items() if str(k[0]) == "1"}
    if one:
        runs = lengths["1"]["runs"]
        cpu_w1 = _mean(r["cpu_to_playable"] for r in runs["w1"])
        lines.append(
            "On this machine, the 1-minute source first playable: " + ", ".join(
                f"{v[2]:.1f} s with {k[1][1]} worker{'s' if k[1] == 'w2' else ''}"
                for k, v in sorted(one.items())) + f" (goal {GOAL_PLAYABLE_LOCAL_1MIN:.0f} s: "
            + ("met" if min(v[2] for v in one.values()) <= GOAL_PLAYABLE_LOCAL_1MIN else
               "MISSED") + " at a load average of "
            + "/".join(f"{r['load']:.1f}" for kind in ("w1", "w2") for r in runs[kind])
            + " on 2 cores; the local stack's hops - download, probe, records - are not in it: "
            "the Transcoding section measured about 0.9 s of them). With 1 worker the parts "
            "before playable run one after another "
            f"and took {cpu_w1:.1f} CPU s; each keeps at least one core busy (a local file, no "
            f"waiting), so on this machine with its cores to itself they would take at most "
            f"about {cpu_w1:.0f} s: " + ("within" if cpu_w1 <= GOAL_PLAYABLE_LOCAL_1MIN else
                                          "over") + " the goal.")
    return "\n".join(lines)


def _verdict(optimistic: float, pessimistic: float, goal: float) -> str:
    if pessimistic <= goal:
        return "met in both cases"
    if optimistic <= goal:
        return "met only in the optimistic case"
    return "MISSED in both cases"


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--report"]:  # re-render the last run's report (no measuring)
        print(report(json.loads((OUT / "last.json").read_text())))
    else:
        print(measure()[0])
