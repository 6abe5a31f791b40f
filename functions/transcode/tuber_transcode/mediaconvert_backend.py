"""The MediaConvert backend: one job with the same ladder (same rungs, bitrates, fixed GOP
and segment length) writing to hls/{videoId}/, the video id and app in UserMetadata. The
job's EventBridge "Job State Change" event reaches on_transcoded, which publishes the video.

The source is still probed here (ffprobe reading a presigned URL, only the bytes it needs) to
shape the ladder: MediaConvert itself would happily upscale or squash a portrait video."""
from __future__ import annotations

from functools import lru_cache

import boto3

from tuber_common import media_keys
from tuber_common.hls_master import MEDIACONVERT_PTS_OFFSET_SECONDS
from tuber_common.settings import get_settings

from . import ladder
from .tools import Probe, probe

AUDIO_SELECTOR = "Audio Selector 1"


@lru_cache(maxsize=2)
def _client(endpoint_url: str | None, region: str):
    return boto3.client("mediaconvert", region_name=region, endpoint_url=endpoint_url)


def get_client():
    settings = get_settings()
    return _client(settings.mediaconvert_endpoint_url or None, settings.aws_region)


def probe_remote(url: str) -> Probe:
    return probe(url)


def _rung_output(rung: ladder.Rung, source: Probe, segment_seconds: int) -> dict:
    rate, divisor = ladder.output_frame_rate(source.fps)
    # Above 60 fps, every divisor-th frame, as the ffmpeg backend does (FRAME-RATE true).
    frame_rate = {} if divisor == 1 else {
        "FramerateControl": "SPECIFIED", "FramerateConversionAlgorithm": "DUPLICATE_DROP",
        "FramerateNumerator": rate.numerator, "FramerateDenominator": rate.denominator}
    output = {
        "NameModifier": f"_{rung.name}",
        # A known first timestamp: caption segments map their times onto it (hls_master).
        "ContainerSettings": {"Container": "M3U8", "M3u8Settings": {
            "PtsOffsetMode": "SECONDS", "PtsOffset": MEDIACONVERT_PTS_OFFSET_SECONDS}},
        "OutputSettings": {"HlsSettings": {}},
        "VideoDescription": {
            "Width": rung.width,
            "Height": rung.height,
            "ScalingBehavior": "DEFAULT",
            "CodecSettings": {
                "Codec": "H_264",
                "H264Settings": {
                    "RateControlMode": "VBR",
                    "Bitrate": rung.video_bitrate,
                    "MaxBitrate": int(rung.video_bitrate * 1.1),
                    "CodecProfile": "MAIN",
                    "CodecLevel": "AUTO",
                    "GopSize": float(ladder.gop_frames(float(rate), segment_seconds)),
                    "GopSizeUnits": "FRAMES",
                    "GopClosedCadence": 1,
                    "SceneChangeDetect": "DISABLED",
                    **frame_rate,
                },
            },
        },
    }
    if source.has_audio:
        output["AudioDescriptions"] = [{
            "AudioSourceName": AUDIO_SELECTOR,
            "CodecSettings": {"Codec": "AAC", "AacSettings": {
                "Bitrate": ladder.AUDIO_BITRATE, "CodingMode": "CODING_MODE_2_0",
                "SampleRate": 48000}},
        }]
    return output


def job_request(video_id: str, bucket: str, raw_key: str, source: Probe) -> dict:
    """The CreateJob request for one video (a pure function, checked against the service
    model in the tests)."""
    settings = get_settings()
    segment = settings.transcode_segment_seconds
    rungs = ladder.plan(source.width, source.height, settings.transcode_max_height)
    job_input: dict = {"FileInput": f"s3://{bucket}/{raw_key}", "TimecodeSource": "ZEROBASED",
                       "VideoSelector": {"Rotate": "AUTO"}}
    if source.has_audio:
        job_input["AudioSelectors"] = {AUDIO_SELECTOR: {"DefaultSelection": "DEFAULT"}}
    destination = f"s3://{bucket}/{media_keys.hls_prefix(video_id)}"
    thumb_width = min(640, source.width) // 2 * 2
    return {
        "Role": settings.mediaconvert_role_arn,
        "UserMetadata": {"videoId": video_id, "app": "tuber"},
        "StatusUpdateInterval": "SECONDS_60",
        "Settings": {
            "TimecodeConfig": {"Source": "ZEROBASED"},
            "Inputs": [job_input],
            "OutputGroups": [
                {
                    "Name": "HLS",
                    "OutputGroupSettings": {"Type": "HLS_GROUP_SETTINGS", "HlsGroupSettings": {
                        # Master playlist: hls/{videoId}/master.m3u8.
                        "Destination": destination + "master",
                        "SegmentLength": segment,
                        "MinSegmentLength": 0,
                        "SegmentControl": "SEGMENTED_FILES",
                        "OutputSelection": "MANIFESTS_AND_SEGMENTS",
                        "DirectoryStructure": "SINGLE_DIRECTORY",
                        "CodecSpecification": "RFC_4281",
                        "ManifestDurationFormat": "FLOATING_POINT",
                    }},
                    "Outputs": [_rung_output(r, source, segment) for r in rungs],
                },
                {
                    "Name": "Thumbnail",
                    "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {
                        "Destination": destination + "thumb"}},
                    "Outputs": [{
                        "ContainerSettings": {"Container": "RAW"},
                        "VideoDescription": {
                            "Width": thumb_width,
                            "Height": ladder._even(thumb_width * source.height / source.width),
                            "CodecSettings": {"Codec": "FRAME_CAPTURE", "FrameCaptureSettings": {
                                "FramerateNumerator": 1, "FramerateDenominator": 1,
                                "MaxCaptures": 1, "Quality": 80}},
                        },
                    }],
                },
            ],
        },
    }


def submit(video_id: str, bucket: str, raw_key: str, source: Probe) -> str:
    """Create the job; returns its id."""
    if not get_settings().mediaconvert_role_arn:
        raise RuntimeError("MEDIACONVERT_ROLE_ARN is not set")
    answer = get_client().create_job(**job_request(video_id, bucket, raw_key, source))
    return answer["Job"]["Id"]
