"""The whole of Tuber on one machine: `python -m local.stack` (what `make run` runs).

    python -m local.stack [--port 3000] [--host 127.0.0.1] [--data-dir .local-data] [--demo]

Starts SecantusDB (unless MONGODB_URI is set) and moto (S3 + SQS), creates the indexes, the
media bucket and its event notifications (putting back the media kept in the data folder and
carrying on the work a stop or crash interrupted: local/media.py, local/recovery.py), then
serves the API (the template's routes, each function in processes of its own:
local/containers.py), the web client, /openapi.json and /docs, and pumps S3 events to the
functions. Ctrl-C or SIGTERM stops everything it started.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import services
from .docs import merged_openapi, swagger_page, vendored_swagger_dir
from .cdn import media_behaviours
from .environment import (ACCOUNT_ID, REGION, LocalValues, function_environment,
                          load_or_create_media_key, load_or_create_secrets, media_bucket_name,
                          write_aws_credentials)
from .containers import FunctionContainers, start_fork_server, stop_fork_server
from .functions import FunctionRegistry
from .gateway import Cors, Gateway, GatewayServer
from .mail import PAGE as MAIL_PAGE, SES_PREFIX, Mailbox
from .media import MediaSnapshot, connect_notifications, create_bucket
from .origin import MediaOrigin
from .lambda_api import LambdaApi, LambdaApiServer
from .pump import DeadLetterQueue, EventPump
from .recovery import finish_unfinished, plan_restart
from .routes import RouteTable
from .schedule import Scheduler, rate_seconds
from .template import read_template

ROOT = Path(__file__).resolve().parent.parent
DEAD_LETTER_QUEUE = "tuber-dead-letters"
log = logging.getLogger("tuber.local")


@dataclass
class StackOptions:
    host: str = "127.0.0.1"
    port: int = 3000
    data_dir: Path = ROOT / ".local-data"
    template: Path = ROOT / "template.yaml"
    web_root: Path = ROOT / "web"
    workers: int = 2


@dataclass
class Stack:
    options: StackOptions
    processes: list = field(default_factory=list)
    api_url: str = ""
    s3_url: str = ""
    mongo_uri: str = ""
    _server: GatewayServer | None = None
    _pump: EventPump | None = None
    _lambda_api: LambdaApiServer | None = None
    dead_letters_url: str = ""
    _scheduler: Scheduler | None = None
    _snapshot: MediaSnapshot | None = None
    _containers: FunctionContainers | None = None
    _mongo: object | None = None

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        opts = self.options
        data = opts.data_dir.resolve()
        (data / "logs").mkdir(parents=True, exist_ok=True)
        # The functions' containers fork from it: it imports the libraries meanwhile.
        threading.Thread(target=start_fork_server, name="fork-server", daemon=True).start()
        template = read_template(opts.template)
        layers = [ROOT / "layers" / "common"]
        # The functions' code in this process, for /openapi.json only (their resolvers'
        # schemas): puts the layer and every CodeUri on sys.path.
        registry = FunctionRegistry(template, ROOT, layers)
        # Every invocation runs in a container of its function (a process of its own, with
        # the environment this process has by then).
        self._containers = functions = FunctionContainers(template, ROOT, layers)

        self.mongo_uri = os.environ.get("MONGODB_URI") or self._start_mongo(data)
        mongo_db = os.environ.get("MONGODB_DB") or "tuber"
        secrets = load_or_create_secrets(data / "secrets.json")
        s3_credentials = (secrets["s3AccessKeyId"], secrets["s3SecretAccessKey"])
        write_aws_credentials(data / "aws-credentials", s3_credentials)
        media_key = load_or_create_media_key(data / "media-signing-key.pem")
        moto_port = services.free_port()
        # Only requests signed with the stack's credentials reach it (local/s3_gate.py).
        self.processes.append(services.start_moto(moto_port, str(data / "logs" / "moto.log"),
                                                  credentials=s3_credentials))
        self.s3_url = f"http://127.0.0.1:{moto_port}"

        bucket = media_bucket_name(template)
        os.environ.update(function_environment(template, LocalValues(
            mongodb_uri=self.mongo_uri, mongodb_db=mongo_db,
            jwt_secret=secrets["jwtSecret"], webhook_secret=secrets["webhookSecret"],
            s3_endpoint_url=self.s3_url, media_bucket=bucket, media_key=media_key,
            s3_credentials=s3_credentials)))
        from tuber_common.indexes import ensure_indexes

        # The database, for the indexes and for what a restart finds half done.
        db = self._database(mongo_db)
        ensure_indexes(db)

        s3 = _aws_client("s3", self.s3_url, s3_credentials)
        sqs = _aws_client("sqs", self.s3_url, s3_credentials)
        # No bucket policy: as on AWS nothing in the bucket is public (moto refuses anonymous
        # requests without one); the gateway's media origin serves signed requests.
        create_bucket(s3, bucket, REGION,
                      template.resource("MediaBucket")["Properties"].get("CorsConfiguration"))
        self._snapshot = snapshot = MediaSnapshot(s3, bucket, data / "s3")
        snapshot.tidy()
        restart = plan_restart(db, snapshot.keys())
        snapshot.drop(restart.dropped)
        snapshot.dormant = set(restart.dormant)
        restored = snapshot.restore(restart.before)  # before the notification: no event
        queue_url = connect_notifications(s3, sqs, bucket, template.s3_subscriptions,
                                          also=MediaSnapshot.EVENTS)
        # After it: their ObjectCreated event starts what the old process left undone.
        restored += snapshot.restore(restart.after)

        api_functions = sorted({route.function for route in template.routes})
        swagger_dir = vendored_swagger_dir(ROOT / ".local-data")
        gateway = Gateway(functions, RouteTable(template.routes), Cors(template.cors),
                          opts.web_root if opts.web_root.is_dir() else None,
                          openapi=lambda: merged_openapi(registry, api_functions, template.routes),
                          docs_page=swagger_page("/docs/assets" if swagger_dir else None),
                          swagger_dir=swagger_dir,
                          # /hls/* and /thumbs/* as the distribution serves them on AWS
                          media_origin=MediaOrigin(s3, bucket, media_behaviours(template),
                                                   {media_key.key_id: media_key.public_pem}),
                          # Mail the functions send through SES lands here, shown at /_mail.
                          mailbox=Mailbox(data / "mail", access_key_id=s3_credentials[0]))
        self._server = GatewayServer(gateway, opts.host, opts.port)
        self.api_url = f"http://{opts.host}:{self._server.port}"
        # The gateway is the media origin: signatures name its URL (known once it listens).
        os.environ["MEDIA_BASE_URL"] = _browser_url(opts.host, self._server.port)
        os.environ["SES_ENDPOINT_URL"] = _browser_url(opts.host, self._server.port) + SES_PREFIX
        _forget_settings()
        self._server.start()

        timeouts = [f.timeout_s for f in template.functions.values()] or [900]
        # Events given up on after the retries, as Lambda's on-failure destination keeps them;
        # scripts/redrive replays them through the local Lambda Invoke API.
        self.dead_letters_url = sqs.create_queue(QueueName=DEAD_LETTER_QUEUE)["QueueUrl"]
        self._pump = EventPump(sqs, queue_url, template.s3_subscriptions, functions.invoke,
                               workers=opts.workers, visibility_timeout_s=max(timeouts) + 60,
                               dead_letters=DeadLetterQueue(sqs, self.dead_letters_url,
                                                            account=ACCOUNT_ID, region=REGION),
                               on_failure={name: f.on_failure_function
                                           for name, f in template.functions.items()
                                           if f.on_failure_function},
                               objects=snapshot.object_event)
        self._lambda_api = LambdaApiServer(LambdaApi(
            lambda name: name in template.functions and functions.exists(name),
            self._pump.invoke_async), opts.host)
        self._lambda_api.start()
        # Functions invoke functions (the transcoder its parts) through the local Lambda API.
        os.environ["LAMBDA_ENDPOINT_URL"] = self._lambda_api.url
        _forget_settings()
        self._pump.start()
        if restart.unfinished:
            part_function = os.environ.get("TRANSCODE_CHUNK_FUNCTION", "")
            finish_unfinished(db, restart.unfinished, set(snapshot.keys()),
                              self._pump.invoke_async,
                              part_function if part_function in template.functions and
                              functions.exists(part_function) else None)
        self._scheduler = Scheduler(template.schedules, functions.invoke, account=ACCOUNT_ID,
                                    region=REGION)
        self._scheduler.start()
        self._mongo.close()  # the functions have their own clients
        self._mongo = None
        self._print_banner(bucket, db.name, restored, swagger_dir is not None, registry,
                           template, restart.summary())

    def _database(self, name: str):
        from pymongo import MongoClient

        self._mongo = MongoClient(self.mongo_uri, serverSelectionTimeoutMS=10_000)
        return self._mongo[name]

    def _start_mongo(self, data: Path) -> str:
        port = services.free_port()
        self.processes.append(services.start_secantus(port, str(data / "mongo"),
                                                      str(data / "logs" / "secantus.log")))
        return f"mongodb://127.0.0.1:{port}/"

    def _print_banner(self, bucket, mongo_db, restored, has_swagger, registry, template,
                      restarted: str):
        missing = [f for f in sorted(template.functions) if not registry.exists(f)]
        schedules = [f"{s.name} ({s.expression})" + ("" if rate_seconds(s.expression)
                                                      else " [cron: not run locally]")
                     for s in template.schedules if s.enabled]
        lines = [
            "Tuber is running:",
            f"  web client   {self.api_url}/",
            f"  API          {self.api_url}   (routes from {self.options.template.name})",
            f"  API docs     {self.api_url}/docs   (OpenAPI: {self.api_url}/openapi.json)"
            + ("" if has_swagger else "  [minimal page: `make swagger-ui` for Swagger UI]"),
            f"  S3 (moto)    {self.s3_url}   bucket {bucket}"
            + (f", {restored} media objects restored" if restored else "")
            + "   (signed requests only: profile tuber-local in "
            f"{self.options.data_dir.resolve() / 'aws-credentials'})",
            f"  media        {os.environ['MEDIA_BASE_URL']}/hls/*, /thumbs/*   (CloudFront "
            "signatures checked, key in media-signing-key.pem)",
            f"  MongoDB      {_redact(self.mongo_uri)}   database {mongo_db}",
            f"  mail         {os.environ['MEDIA_BASE_URL']}{MAIL_PAGE}   (what the functions "
            "sent through SES: verification and password reset links)",
            f"  data folder  {self.options.data_dir.resolve()}",
        ]
        if restarted:
            lines.append(f"  restart      {restarted}")
        if schedules:
            lines.append(f"  schedules    {', '.join(schedules)}")
        credentials = self.options.data_dir.resolve() / "aws-credentials"
        lines.append(f"  dead letters {self.dead_letters_url}   replay: "
                     f"AWS_SHARED_CREDENTIALS_FILE={credentials} scripts/redrive "
                     f"--profile tuber-local --region {REGION} "
                     f"--queue-url {self.dead_letters_url} --endpoint-url {self.s3_url} "
                     f"--lambda-endpoint-url {self._lambda_api.url}")
        if missing:
            lines.append(f"  not in this checkout yet: {', '.join(missing)}")
        lines.append("Press Ctrl-C to stop.")
        print("\n".join(lines), flush=True)

    def stop(self) -> None:
        """Stop in reverse order; every step runs even if an earlier one failed."""
        steps = [
            ("scheduler", lambda: self._scheduler and self._scheduler.stop()),
            ("lambda api", lambda: self._lambda_api and self._lambda_api.stop()),
            ("event pump", lambda: self._pump and self._pump.stop()),
            ("gateway", lambda: self._server and self._server.stop()),
            ("function containers", lambda: self._containers and self._containers.stop()),
            ("fork server", stop_fork_server),
            ("media snapshot", self._save_media),
            ("database client", lambda: self._mongo and self._mongo.close()),
        ] + [(f"process {p.pid}", lambda p=p: services.stop(p))
             for p in reversed(self.processes)]
        for name, step in steps:
            try:
                step()
            except Exception:
                log.exception("stopping the %s failed", name)
        self.processes.clear()
        self._pump = self._server = self._scheduler = self._lambda_api = None
        self._containers = None

    def _save_media(self) -> None:
        if self._snapshot and self.processes:
            count = self._snapshot.save()
            log.info("media snapshot: %d objects kept in %s", count, self._snapshot.folder)


def _browser_url(host: str, port: int) -> str:
    # A gateway listening on every address is still reached as 127.0.0.1 from this machine.
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"


def _forget_settings() -> None:
    from tuber_common import mail
    from tuber_common.settings import get_settings

    get_settings.cache_clear()
    mail.reset_client()


def _aws_client(service: str, endpoint: str, credentials: tuple[str, str]):
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=credentials[0], aws_secret_access_key=credentials[1],
                        config=Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 2}))


def _redact(uri: str) -> str:
    # A user's MONGODB_URI may carry a password: never print it.
    scheme, sep, rest = uri.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 3000)),
                        help="gateway port (default: $PORT or 3000; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="gateway address")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".local-data",
                        help="database, secrets, media snapshot and logs (default .local-data)")
    parser.add_argument("--demo", action="store_true",
                        help="also publish a demo user and a few generated clips")
    parser.add_argument("--workers", type=int, default=2,
                        help="event pump workers (transcodes at once)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Our one-line request and event logs; libraries (botocore...) only when something is wrong.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S", stream=sys.stdout)
    log.setLevel(logging.INFO)
    stop_requested = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop_requested.set())

    stack = Stack(StackOptions(host=args.host, port=args.port, data_dir=args.data_dir,
                               workers=args.workers))
    try:
        stack.start()
    except Exception as exc:
        print(f"the local stack could not start: {exc}", file=sys.stderr)
        return 1
    try:
        if args.demo:
            from .seed import seed_in_background
            seed_in_background(stack.api_url, stop_requested)
        while not stop_requested.wait(0.5):  # a short wait keeps signals prompt
            pass
        print("stopping...", flush=True)
    finally:
        stack.stop()
    print("stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
