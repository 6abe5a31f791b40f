"""The function's one Powertools Logger (service name from POWERTOOLS_SERVICE_NAME) and its
CloudWatch metrics, written to the log in the embedded metric format (namespace from
POWERTOOLS_METRICS_NAMESPACE, one dimension: the service). They tell an operator what the
platform does: videos uploaded, published and failed, views, transcode seconds, counters
repaired. Each handler flushes them at the end of an invocation (`metrics.log_metrics`).

Every function imports this module, so it also registers the SnapStart after-restore hook
(tuber_common.snapstart)."""
import os
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from . import snapstart

snapstart.install()

logger = Logger()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "Tuber")
# Most requests (reads) publish no metric by design: not worth a warning in the log.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def count(name: str, value: int = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def seconds(name: str, value: float) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=value)
