"""HLS text and MPEG-TS facts the transcoder writes: pure functions, no I/O.

A rendition is assembled from its parts' segments (each part lists its own, in order), so
its media playlist is the parts' lists joined: the segments' timestamps are the source's,
continuous across parts, and need no discontinuity. Every segment starts with a keyframe,
so its I-frame playlist entry is that keyframe's byte range at the start of the segment.
"""
from __future__ import annotations

import math

TS_PACKET = 188


def media_playlist(segments: list[dict]) -> str:
    """A VOD media playlist; each segment {uri, duration}."""
    target = max([math.ceil(s["duration"]) for s in segments] or [1])
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD",
             "#EXT-X-INDEPENDENT-SEGMENTS"]
    for segment in segments:
        lines += [f"#EXTINF:{segment['duration']:.6f},", segment["uri"]]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def iframe_playlist(segments: list[dict]) -> str:
    """The I-frame playlist (trick play: scrubbing, fast forward); each segment {uri,
    duration, keyframeBytes}: the keyframe is the first `keyframeBytes` of the segment."""
    target = max([math.ceil(s["duration"]) for s in segments] or [1])
    lines = ["#EXTM3U", "#EXT-X-VERSION:4", f"#EXT-X-TARGETDURATION:{target}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-I-FRAMES-ONLY"]
    for segment in segments:
        if segment.get("keyframeBytes"):
            lines += [f"#EXTINF:{segment['duration']:.6f},",
                      f"#EXT-X-BYTERANGE:{segment['keyframeBytes']}@0", segment["uri"]]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def iframe_bandwidth(segments: list[dict]) -> int:
    """Peak bit/s of the I-frame playlist: keyframe bits over the time each one stands for."""
    rates = [s["keyframeBytes"] * 8 / s["duration"] for s in segments
             if s.get("keyframeBytes") and s["duration"] > 0]
    return int(math.ceil(max(rates or [0])))


def first_keyframe_bytes(data: bytes) -> int | None:
    """Bytes from the start of an MPEG-TS segment (PAT, PMT, then the video PES holding the
    keyframe) up to the next video PES: the keyframe's byte range. None when the segment holds
    a single PES (its whole length is the keyframe) or is not MPEG-TS."""
    video_pid, starts = None, 0
    for offset in range(0, len(data) - TS_PACKET + 1, TS_PACKET):
        packet = data[offset:offset + TS_PACKET]
        if packet[0] != 0x47:
            return None
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        unit_start = packet[1] & 0x40
        if not unit_start or pid in (0, 0x1FFF):
            continue
        payload = _payload(packet)
        # A PES of a video stream: start code 00 00 01, stream id 0xE0-0xEF.
        is_video_pes = (len(payload) >= 4 and payload[:3] == b"\x00\x00\x01"
                        and 0xE0 <= payload[3] <= 0xEF)
        if video_pid is None and is_video_pes:
            video_pid = pid
        if pid == video_pid:
            starts += 1
            if starts == 2:
                return offset
    return None


def _payload(packet: bytes) -> bytes:
    adaptation = (packet[3] >> 4) & 0x3
    if adaptation == 2:
        return b""
    start = 4
    if adaptation == 3:
        start += 1 + packet[4]
    return packet[start:]


def segment_bandwidth(segments: list[dict]) -> tuple[int, int]:
    """(peak, average) bit/s of a rendition, from its segments' durations and byte sizes."""
    peak, total_bits, total_seconds = 0.0, 0, 0.0
    for segment in segments:
        bits, duration = segment["bytes"] * 8, segment["duration"]
        if duration > 0:
            peak = max(peak, bits / duration)
        total_bits += bits
        total_seconds += duration
    average = total_bits / total_seconds if total_seconds else 0
    return int(math.ceil(peak)), int(math.ceil(average))
