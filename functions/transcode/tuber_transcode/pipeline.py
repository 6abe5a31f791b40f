"""One upload under raw/{videoId}/: claim the video (UPLOADING -> PROCESSING), check the
upload, transcode with the configured backend, write the outputs (master playlist last).
Whatever goes wrong after the claim ends as FAILED with a reason: never stuck in PROCESSING."""
from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from pymongo.database import Database

from tuber_common import publishing, storage
from tuber_common.ids import VideoId, try_parse_video_id
from tuber_common.observability import seconds
from tuber_common.settings import get_settings

from . import ffmpeg_backend, mediaconvert_backend, progress, tools

logger = Logger(child=True)

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t",
                 ".jpg": "image/jpeg", ".json": "application/json"}
# Segments never change once written; playlists are small and cheap to revalidate.
CACHE = {".ts": "public, max-age=31536000, immutable", ".jpg": "public, max-age=86400"}
MANIFEST_NAME = "manifest.json"
UPLOAD_WORKERS = 8
IGNORED, TRANSCODED, SUBMITTED, FAILED = "ignored", "transcoded", "submitted", "failed"


class UploadRejected(Exception):
    """The upload breaks what was declared at creation (e.g. it is larger)."""


def s3_object(record: dict) -> tuple[str, str, int | None] | None:
    """(bucket, key, size) of an S3 ObjectCreated record; keys arrive URL-encoded (form
    style: '+' is a space)."""
    s3 = record.get("s3") or {}
    bucket = (s3.get("bucket") or {}).get("name")
    obj = s3.get("object") or {}
    if not bucket or not obj.get("key"):
        return None
    return bucket, unquote_plus(obj["key"]), obj.get("size")


def video_id_of(key: str) -> VideoId | None:
    parts = key.split("/")
    if len(parts) < 3 or parts[0] != "raw" or not parts[-1]:
        return None
    return try_parse_video_id(parts[1])


def handle_upload(db: Database, bucket: str, key: str, remaining_seconds: float) -> str:
    video_id = video_id_of(key)
    if video_id is None:
        logger.info("ignoring an object that is not a raw upload", extra={"key": key})
        return IGNORED
    doc = publishing.start_processing(db, video_id, key)
    if doc is None:
        # Unknown, deleted, or already claimed (S3 delivers events at least once).
        logger.info("ignoring an upload for a video that is not waiting for one",
                    extra={"videoId": str(video_id)})
        return IGNORED
    try:
        return _process(db, doc, bucket, key, remaining_seconds)
    except tools.NotAVideo as exc:
        logger.info("upload is not a readable video", extra={"videoId": str(video_id),
                                                             "why": str(exc)})
        reason = "the upload is not a video we can read"
    except UploadRejected as exc:
        reason = str(exc)
    except ffmpeg_backend.TranscodeFailed as exc:
        reason = str(exc)
    except Exception:  # a fault of ours or of a dependency: still never left PROCESSING
        logger.exception("transcoding failed", extra={"videoId": str(video_id)})
        reason = "transcoding failed"
    publishing.fail(db, video_id, reason)
    if get_settings().transcoder_backend == "ffmpeg":
        _remove_outputs(video_id)
    return FAILED


def _remove_outputs(video_id: VideoId) -> None:
    try:
        storage.delete_prefixes([publishing.hls_prefix(video_id)])
    except Exception:  # best effort: a failed video's partial outputs are never served
        logger.exception("could not remove partial outputs", extra={"videoId": str(video_id)})


def _check_size(bucket: str, key: str, doc: dict) -> None:
    size = storage.get_s3().head_object(Bucket=bucket, Key=key)["ContentLength"]
    allowed = min(int(doc.get("sizeBytes") or 0), get_settings().max_upload_bytes)
    if size > allowed:
        # Nothing will ever use it: do not keep paying for it.
        storage.get_s3().delete_object(Bucket=bucket, Key=key)
        raise UploadRejected(f"the upload is larger than declared ({size} > {allowed} bytes)")
    if size == 0:
        raise UploadRejected("the upload is empty")


def _process(db: Database, doc: dict, bucket: str, key: str, remaining: float) -> str:
    settings = get_settings()
    video_id = doc["_id"]
    _check_size(bucket, key, doc)
    if settings.transcoder_backend == "mediaconvert":
        url = storage.get_s3().generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=900)
        source = mediaconvert_backend.probe_remote(url)
        job_id = mediaconvert_backend.submit(str(video_id), bucket, key, source)
        db.videos.update_one({"_id": video_id}, {"$set": {"transcodeJobId": job_id}})
        logger.info("MediaConvert job submitted", extra={"videoId": str(video_id),
                                                         "jobId": job_id})
        return SUBMITTED
    with tempfile.TemporaryDirectory(prefix="tuber-transcode-") as tmp:
        source_path = os.path.join(tmp, "source")
        # To disk, streamed: memory stays bounded whatever the upload's size.
        storage.get_s3().download_file(bucket, key, source_path)
        source = tools.probe(source_path)
        out_dir = os.path.join(tmp, "out")
        os.makedirs(out_dir)
        started = time.monotonic()
        output = ffmpeg_backend.transcode(
            source_path, out_dir, source, preset=settings.transcode_preset,
            segment_seconds=settings.transcode_segment_seconds,
            max_short_side=settings.transcode_max_height,
            timeout_seconds=remaining - _safety_margin(remaining),
            reporter=progress.Reporter(progress.database_writer(db, video_id),
                                       source.duration_seconds,
                                       settings.progress_interval_seconds))
        encoded = time.monotonic()
        # Their ratio is the realtime factor, the figure that sizes the transcode function.
        seconds("TranscodeSeconds", encoded - started)
        seconds("TranscodedMediaSeconds", source.duration_seconds or 0)
        os.remove(source_path)
        _upload(bucket, video_id, Path(out_dir), output, source)
        # What the transcode cost, for operators (and the pipeline-overhead benchmark).
        db.videos.update_one({"_id": video_id}, {"$set": {"processing": {
            "ffmpegSeconds": round(encoded - started, 3),
            "uploadSeconds": round(time.monotonic() - encoded, 3)}}})
    if db.videos.count_documents({"_id": video_id}, limit=1) == 0:
        # Deleted while we worked: its delete could not see what we just wrote.
        logger.info("video deleted during transcoding", extra={"videoId": str(video_id)})
        _remove_outputs(video_id)
        return IGNORED
    return TRANSCODED


def _safety_margin(remaining: float) -> float:
    # Time kept back to record FAILED (and clean up) if ffmpeg runs out the clock.
    return max(3.0, min(60.0, remaining * 0.1))


def _put(bucket: str, key: str, path: Path) -> None:
    suffix = path.suffix
    extra = {"ContentType": CONTENT_TYPES.get(suffix, "application/octet-stream")}
    extra["CacheControl"] = CACHE.get(suffix, "public, max-age=60")
    storage.get_s3().upload_file(str(path), bucket, key, ExtraArgs=extra)


def _upload(bucket: str, video_id: VideoId, out_dir: Path, output, source) -> None:
    """Segments, media playlists, thumbnail, manifest, and the master playlist last: its
    arrival (an S3 event to on_transcoded) means everything it names is in place."""
    prefix = publishing.hls_prefix(video_id)
    files = []
    for variant in output.variants:
        folder = out_dir / variant["name"]
        files += [(f"{prefix}{variant['name']}/{segment.name}", segment)
                  for segment in sorted(folder.glob("*.ts"))]
        files.append((f"{prefix}{variant['uri']}", out_dir / variant["uri"]))
    # Segments and media playlists in parallel (S3 PUTs are latency-bound); what follows stays
    # in order, so that the master playlist still arrives last.
    with ThreadPoolExecutor(max_workers=UPLOAD_WORKERS) as pool:
        list(pool.map(lambda item: _put(bucket, *item), files))
    thumbnail_key = None
    if output.thumbnail:
        thumbnail_key = prefix + output.thumbnail
        _put(bucket, thumbnail_key, out_dir / output.thumbnail)
    manifest = {
        "videoId": str(video_id),
        "hlsKey": prefix + ffmpeg_backend.MASTER_NAME,
        "thumbnailKey": thumbnail_key,
        "durationSeconds": source.duration_seconds,
        "renditions": [{k: v[k] for k in ("name", "width", "height", "bandwidth",
                                           "averageBandwidth", "codecs")}
                       for v in output.variants],
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest))
    _put(bucket, prefix + MANIFEST_NAME, out_dir / MANIFEST_NAME)
    _put(bucket, prefix + ffmpeg_backend.MASTER_NAME, out_dir / ffmpeg_backend.MASTER_NAME)
