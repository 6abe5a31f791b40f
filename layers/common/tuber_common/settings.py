"""Settings from the environment, validated once per container (cold start)."""
from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError, field_validator


class Settings(BaseModel):
    # Secrets (MONGODB_URI, JWT_SECRET, WEBHOOK_SECRET, MEDIA_SIGNING_KEY): read them with
    # tuber_common.secret_settings.secret(name), never from these fields. Each is the plain
    # value (local stack, tests; wins when set) or, in `<name>_arn`, the Secrets Manager
    # secret holding it (on AWS), fetched on first use and cached for secrets_max_age_seconds.
    # repr=False: a logged Settings never shows them.
    mongodb_uri: str = Field(default="", repr=False)
    mongodb_uri_arn: str = ""
    jwt_secret: str = Field(default="", repr=False)
    jwt_secret_arn: str = ""
    webhook_secret: str = Field(default="", repr=False)
    webhook_secret_arn: str = ""
    secrets_max_age_seconds: int = Field(default=300, ge=1, le=24 * 3600)

    mongodb_db: str = "tuber"
    mongodb_timeout_ms: int = Field(default=3000, ge=100)

    # Pinned: tokens are verified with exactly this algorithm, never the one a token names.
    jwt_algorithm: str = Field(default="HS256", pattern="^HS(256|384|512)$")
    jwt_issuer: str = "tuber"
    jwt_audience: str = "tuber-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)

    # --- Sign-in throttling and sessions (tuber_auth.throttle, tuber_auth.sessions,
    # tuber_common.account_status; docs/API.md "Sign-in limits" and "Sessions").
    # Failed sign-ins counted per window of login_lockout_seconds: per (account, IP) and per
    # (account, known device) at most login_max_failures; per account, from devices and
    # networks that never signed in to it, login_account_max_failures; per IP, whatever the
    # account, login_ip_max_failures.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    login_account_max_failures: int = Field(default=10, ge=1)
    login_ip_max_failures: int = Field(default=30, ge=1)
    # How long a device or network that signed in stays known to the account.
    known_client_days: int = Field(default=90, ge=1)
    # A spent refresh token presented again this soon by the same client gets the same new
    # pair back (two tabs, a retry); later, or from another client, it revokes its family.
    refresh_reuse_grace_seconds: int = Field(default=30, ge=0, le=300)
    # Access tokens are checked against the account (exists, not suspended, sessions not
    # ended) on every request: writes always read it, reads may use this container's copy
    # for this long (0: always read).
    account_status_cache_seconds: float = Field(default=5.0, ge=0, le=60)

    media_bucket: str = "tuber-media"
    # Media (tuber_common.media_signing): the public origin of /hls and /thumbs (CloudFront's
    # https URL on AWS, the local gateway's URL locally), and the CloudFront key pair that
    # signs URLs and cookies for it: its public key id, the private key PEM itself
    # (MEDIA_SIGNING_KEY, local) or the Secrets Manager secret holding it (on AWS).
    media_base_url: str = ""
    media_base_url_parameter: str = ""  # on AWS: the SSM parameter holding it
    media_signing_key_id: str = ""
    media_signing_key: str = ""
    media_signing_key_arn: str = ""
    # The value CloudFront sends in X-Origin-Verify: requests carrying it come through the
    # distribution, so their CloudFront-Viewer-Address is the viewer's (empty: no CDN).
    origin_verify_secret: str = Field(default="", repr=False)
    origin_verify_secret_arn: str = ""
    # The distribution a deleted video's media is invalidated on (empty: no CDN, locally).
    media_distribution_id: str = ""
    media_distribution_id_parameter: str = ""  # on AWS: the SSM parameter holding it
    s3_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1)
    upload_url_ttl_seconds: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    # Custom thumbnails (png, jpeg, webp): the most a presigned thumbnail upload accepts.
    thumbnail_max_bytes: int = Field(default=2 * 1024**2, ge=1)
    view_dedup_window_seconds: int = Field(default=3600, ge=1)
    webhook_max_skew_seconds: int = Field(default=300, ge=1)
    transcoder_backend: str = Field(default="ffmpeg", pattern="^(ffmpeg|mediaconvert)$")
    # Search (tuber_video/search.py): "builtin" (stored terms, prefix regexes on MongoDB or
    # SecantusDB) or "atlas" ($search on the Atlas Search index infra/atlas-search-index.json,
    # named atlas_search_index).
    search_backend: str = Field(default="builtin", pattern="^(builtin|atlas)$")
    atlas_search_index: str = "video_search"
    mediaconvert_role_arn: str = ""
    processing_timeout_seconds: int = Field(default=3600, ge=60)

    # Transcoding (functions/transcode). Empty paths: /opt/bin (an ffmpeg layer) when present,
    # else PATH.
    ffmpeg_path: str = ""
    ffprobe_path: str = ""
    transcode_preset: str = Field(
        default="veryfast",
        pattern="^(ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow)$")
    transcode_segment_seconds: int = Field(default=4, ge=1, le=20)
    transcode_max_height: int = Field(default=1080, ge=144, le=4320)
    # Chunked encoding (tuber_transcode.plan): the source is cut into chunks of this many
    # seconds (rounded up to whole segments), each rung of each chunk encoded by its own
    # invocation of TRANSCODE_CHUNK_FUNCTION (empty: in this process, one after another).
    transcode_chunk_seconds: int = Field(default=32, ge=4, le=600)
    transcode_chunk_function: str = ""
    # Notifications of a new video go out through this function (tuber_common.notifications;
    # empty: in the publishing process).
    notification_fanout_function: str = ""
    lambda_endpoint_url: str | None = None
    mediaconvert_endpoint_url: str | None = None

    # What the transcoder accepts (tuber_transcode.tools.check_limits), judged from the probe
    # before any encoding, each breach with its own FAILED reason. The duration also bounds
    # the durationSeconds a client may declare at POST /video. Pixels: one frame's width x
    # height (4096x2304 covers DCI 4K and 16:9 at 4096 wide). Frame rate: the source's own.
    transcode_max_duration_seconds: int = Field(default=4 * 3600, ge=1)
    transcode_max_pixels: int = Field(default=4096 * 2304, ge=1)
    transcode_max_fps: float = Field(default=240.0, gt=0)
    # Decompression bombs: decoded pixels (width x height x frame rate x duration) per byte of
    # the upload. Measured with x264 (tools.py has the numbers): a still picture with sound
    # 2,000-3,200, a silent still picture at 1080p60 5,600; black 1080p60 at CRF 51 24,400
    # (preset medium) and 48,400 (ultrafast). 0 turns the check off.
    transcode_max_pixels_per_byte: float = Field(default=12_000.0, ge=0)

    # Resumable (multipart) uploads: the smallest part we hand out (S3's floor is 5 MiB for
    # every part but the last); unfinished uploads are aborted after this age.
    multipart_part_bytes: int = Field(default=8 * 1024**2, ge=5 * 1024**2, le=5 * 1024**3)
    multipart_max_age_seconds: int = Field(default=24 * 3600, ge=600)
    # Per-user quotas, checked before any upload starts. 0 means no limit.
    quota_storage_bytes: int = Field(default=50 * 1024**3, ge=0)
    quota_videos_per_day: int = Field(default=50, ge=0)
    # Transcode progress is written at most this often (seconds).
    progress_interval_seconds: float = Field(default=3.0, ge=0)
    # A view counts after min(this, half the video's duration) seconds watched.
    view_min_seconds: float = Field(default=10.0, ge=0)
    # View sessions (issue 16; tuber_video.views, docs/API.md "Views"): a session started by
    # POST /video/{id}/view/start may be reported for this long; anonymous views from one
    # network (an IPv4 address, an IPv6 /64) count at most this many times per video per
    # VIEW_DEDUP_WINDOW_SECONDS.
    view_session_ttl_seconds: int = Field(default=6 * 3600, ge=60, le=7 * 24 * 3600)
    view_anonymous_per_network: int = Field(default=3, ge=1)

    # --- Account lifecycle (issue 16; tuber_auth.lifecycle, tuber_common.mail, docs/API.md
    # "Accounts"). Mail goes out through Amazon SES (SESv2 SendEmail) from MAIL_FROM, an
    # address or domain verified in SES ("Tuber <no-reply@example.com>" also works); empty:
    # no mail is sent (each one is logged as skipped). SES_ENDPOINT_URL: the local stack's
    # stand-in (local/mail.py). Links in mail open SITE_URL (empty: the media base URL, the
    # web client's own origin on AWS and locally).
    mail_from: str = ""
    ses_endpoint_url: str | None = None
    ses_configuration_set: str = ""
    site_url: str = ""
    # One-time tokens sent by mail: verify an address, reset a password.
    email_verification_ttl_seconds: int = Field(default=48 * 3600, ge=60, le=30 * 24 * 3600)
    password_reset_ttl_seconds: int = Field(default=3600, ge=60, le=24 * 3600)
    # Mails that requests may cause to one address per hour (registration, resend, reset).
    mail_per_address_per_hour: int = Field(default=5, ge=1)
    # Wrong passwords when confirming a password change or an account deletion, per account
    # per LOGIN_LOCKOUT_SECONDS.
    reauth_max_failures: int = Field(default=5, ge=1)
    # After an account is deleted, its scheduled clean-up keeps looking for content made
    # with tokens issued before (and requests already running) for this long.
    account_deletion_settle_seconds: int = Field(default=1200, ge=0)
    # GET /auth/me/export answers at most about this many bytes; the rest follows a cursor.
    export_page_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024, le=5 * 1024 * 1024)

    @field_validator("jwt_secret", "webhook_secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        # Empty: not set here (the secret named by the _ARN setting, or none).
        if value and len(value) < 32:
            raise ValueError("at least 32 characters")
        return value


class SettingsError(RuntimeError):
    """A required setting is missing or invalid: fail at cold start, loudly."""


def _from_environ() -> dict:
    values = {}
    for name in Settings.model_fields:
        env_name = "AWS_REGION" if name == "aws_region" else name.upper()
        if env_name in os.environ and os.environ[env_name] != "":
            values[name] = os.environ[env_name]
    return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings(**_from_environ())
    except ValidationError as exc:
        # Name the settings only: their values may be secrets.
        names = sorted({str(err["loc"][0]).upper() for err in exc.errors()})
        raise SettingsError(f"invalid or missing settings: {', '.join(names)}") from None
