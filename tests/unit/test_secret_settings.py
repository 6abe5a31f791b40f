"""Secret settings without AWS: which setting is required where, what validation says (names,
never values), the plain value winning over an ARN, and no boto3 at import time even when a
function is configured with ARNs. (Secrets Manager itself: tests/integration/test_secrets.py.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_ENV = ("MONGODB_URI", "JWT_SECRET", "WEBHOOK_SECRET", "MEDIA_SIGNING_KEY")
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tuber/{}-AbCdEf"


@pytest.fixture
def clean_env(monkeypatch):
    from tuber_common.db import reset_clients

    for name in SECRET_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_ARN", raising=False)
    reset_clients()
    yield monkeypatch
    reset_clients()


def test_a_function_given_no_secret_starts_and_fails_only_where_it_needs_one(clean_env):
    from tuber_common.secret_settings import secret
    from tuber_common.settings import SettingsError, get_settings

    get_settings()  # the transcoder has no JWT secret: its settings are still valid
    with pytest.raises(SettingsError, match=r"JWT_SECRET \(or JWT_SECRET_ARN\)"):
        secret("jwt_secret")
    with pytest.raises(SettingsError, match=r"MONGODB_URI \(or MONGODB_URI_ARN\)"):
        secret("mongodb_uri")
    assert secret("webhook_secret") == ""  # optional: the webhook is off


@pytest.mark.parametrize("name", ["JWT_SECRET", "WEBHOOK_SECRET"])
def test_a_short_plain_secret_is_named_without_its_value(clean_env, name):
    from tuber_common.settings import SettingsError, get_settings

    value = "Sh0rtButSecret-" + name
    clean_env.setenv(name, value)
    get_settings.cache_clear()
    with pytest.raises(SettingsError) as raised:
        get_settings()
    assert name in str(raised.value)
    assert value not in str(raised.value)


def test_a_plain_value_wins_over_an_arn_and_fetches_nothing(clean_env):
    from tuber_common import secret_settings
    from tuber_common.settings import get_settings

    clean_env.setenv("JWT_SECRET", "p" * 40)
    clean_env.setenv("JWT_SECRET_ARN", ARN.format("jwt"))
    get_settings.cache_clear()
    assert secret_settings.secret("jwt_secret") == "p" * 40
    assert secret_settings.previous("jwt_secret") is None  # a plain value has no history
    assert not secret_settings._providers


def test_settings_never_show_secret_values(clean_env):
    from tuber_common.settings import get_settings

    clean_env.setenv("JWT_SECRET", "v" * 40)
    clean_env.setenv("MONGODB_URI", "mongodb://user:Pa55word@db.example/")
    get_settings.cache_clear()
    shown = repr(get_settings()) + str(get_settings())
    assert "v" * 40 not in shown and "Pa55word" not in shown


@pytest.mark.parametrize("function", ["auth", "like", "comment"])
def test_arns_do_not_bring_boto3_in_at_import_time(function):
    """Configured as on AWS (ARNs only), the functions that never call AWS otherwise still
    import no boto3: it comes with the first secret fetch, inside the first request."""
    code = (f"import sys; import tuber_{function}.handler; "
            "sys.exit(1 if 'boto3' in sys.modules else 0)")
    paths = [str(ROOT / "layers/common"), str(ROOT / "functions" / function)]
    env = {"PYTHONPATH": ":".join(paths), "AWS_REGION": "us-east-1",
           **{f"{name}_ARN": ARN.format(name.lower()) for name in SECRET_ENV}}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
