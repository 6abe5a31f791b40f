"""Read template.yaml as the local stack needs it: functions, HTTP routes, S3 events, CORS.

CloudFormation short tags (!Ref, !Sub, !GetAtt, !If ...) load as `Tagged` values, and
`resolve` evaluates the few intrinsics the local stack needs (Ref, Sub, If, Not, Equals)
against parameters and pseudo parameters, so the local environment comes from the same
template that is deployed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

NO_VALUE = object()  # AWS::NoValue: the item or key disappears


@dataclass(frozen=True)
class Tagged:
    """A CloudFormation short-form intrinsic, e.g. `!Sub "x-${AWS::Region}"`."""
    tag: str  # "Ref", "Sub", "GetAtt", "If", ...
    value: Any


class _TemplateLoader(yaml.SafeLoader):
    pass


def _construct_tagged(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tagged(tag_suffix, value)


_TemplateLoader.add_multi_constructor("!", _construct_tagged)


def load_template(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_TemplateLoader)  # noqa: S506 - safe loader subclass


@dataclass
class Function:
    logical_id: str
    code_uri: str
    handler: str  # "tuber_auth.handler.lambda_handler"
    timeout_s: int
    memory_mb: int
    environment: dict[str, Any]  # Globals + the function's own, unresolved
    # EventInvokeConfig's on-failure destination when it is another function (its logical
    # id): asynchronous events given up on go there, as Lambda sends them.
    on_failure_function: str | None = None

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True)
class HttpRoute:
    method: str  # "GET", or "ANY"
    path: str  # "/video/{videoId}", "/files/{proxy+}" or "$default"
    function: str  # logical id

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class S3Subscription:
    function: str
    events: tuple[str, ...]  # ("s3:ObjectCreated:*",)
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Schedule:
    function: str
    name: str  # the event's name in the template
    expression: str  # "rate(15 minutes)" or "cron(...)"
    enabled: bool = True


@dataclass
class CorsConfig:
    allow_origins: list[str] = field(default_factory=list)
    allow_headers: list[str] = field(default_factory=list)
    allow_methods: list[str] = field(default_factory=list)
    expose_headers: list[str] = field(default_factory=list)
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass
class Template:
    raw: dict
    functions: dict[str, Function]
    routes: list[HttpRoute]
    s3_subscriptions: list[S3Subscription]
    cors: CorsConfig | None
    schedules: list[Schedule] = field(default_factory=list)

    def resource(self, logical_id: str) -> dict:
        return self.raw["Resources"][logical_id]


def read_template(path: str | Path) -> Template:
    raw = load_template(path)
    resources = raw.get("Resources", {})
    globals_fn = raw.get("Globals", {}).get("Function", {})
    functions: dict[str, Function] = {}
    routes: list[HttpRoute] = []
    subscriptions: list[S3Subscription] = []
    schedules: list[Schedule] = []
    cors = None
    for logical_id, resource in resources.items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::HttpApi":
            cors = _cors_config(props.get("CorsConfiguration"))
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        functions[logical_id] = Function(
            logical_id=logical_id,
            code_uri=props["CodeUri"],
            handler=props["Handler"],
            timeout_s=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
            memory_mb=int(props.get("MemorySize", globals_fn.get("MemorySize", 128))),
            environment={**_variables(globals_fn), **_variables(props)},
            on_failure_function=_on_failure_function(props),
        )
        for event_name, event in (props.get("Events") or {}).items():
            event_props = event.get("Properties") or {}
            if event["Type"] == "HttpApi":
                # An HttpApi event without Path/Method is the API's $default route.
                path = event_props.get("Path", "$default")
                routes.append(HttpRoute(str(event_props.get("Method", "ANY")).upper(), path,
                                        logical_id))
            elif event["Type"] == "S3":
                subscriptions.append(_s3_subscription(logical_id, event_props))
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                expression = event_props.get("Schedule") or event_props.get("ScheduleExpression")
                enabled = event_props.get("Enabled", True) is not False and \
                    event_props.get("State", "ENABLED") != "DISABLED"
                schedules.append(Schedule(logical_id, event_name, expression, enabled))
    return Template(raw, functions, routes, subscriptions, cors, schedules)


def _on_failure_function(props: dict) -> str | None:
    on_failure = ((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get(
        "OnFailure") or {}
    target = on_failure.get("Destination")
    # !GetAtt Name.Arn, or !Ref Name.Alias (SAM's alias of AutoPublishAlias).
    if on_failure.get("Type") != "Lambda" or not isinstance(target, Tagged) \
            or target.tag not in ("GetAtt", "Ref"):
        return None
    name = target.value if isinstance(target.value, str) else ".".join(target.value)
    return name.split(".")[0]


def _variables(props: dict) -> dict:
    return dict(((props.get("Environment") or {}).get("Variables")) or {})


def _s3_subscription(function: str, props: dict) -> S3Subscription:
    events = props.get("Events", [])
    events = (events,) if isinstance(events, str) else tuple(events)
    rules = (((props.get("Filter") or {}).get("S3Key") or {}).get("Rules")) or []
    by_name = {rule["Name"].lower(): rule["Value"] for rule in rules}
    return S3Subscription(function, events, by_name.get("prefix", ""), by_name.get("suffix", ""))


def _cors_config(config: Any) -> CorsConfig | None:
    if config is None or config is False:
        return None
    if config is True:  # SAM's shorthand: allow everything
        return CorsConfig(["*"], ["*"], ["*"])
    return CorsConfig(
        allow_origins=list(config.get("AllowOrigins", [])),
        allow_headers=[h.lower() for h in config.get("AllowHeaders", [])],
        allow_methods=[m.upper() for m in config.get("AllowMethods", [])],
        expose_headers=list(config.get("ExposeHeaders", [])),
        max_age=config.get("MaxAge"),
        allow_credentials=bool(config.get("AllowCredentials", False)),
    )


# --- intrinsic functions -------------------------------------------------------------

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class Resolver:
    """Evaluates Ref / Sub / If / Not / Equals / Join against known names.

    `names` maps parameter names, pseudo parameters ("AWS::Region") and resource logical ids
    (to what Ref returns locally, e.g. the bucket name) to strings.
    """

    def __init__(self, template: dict, names: dict[str, str]):
        self.template = template
        self.names = dict(names)
        for name, spec in (template.get("Parameters") or {}).items():
            if name not in self.names and "Default" in spec:
                self.names[name] = str(spec["Default"])

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Tagged):
            return self._intrinsic(value.tag, value.value)
        if isinstance(value, dict):
            if len(value) == 1:
                (key, inner), = value.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(key.removeprefix("Fn::"), inner)
            resolved = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(value, list):
            return [v for v in (self.resolve(item) for item in value) if v is not NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name not in self.names:
            raise KeyError(f"no local value for Ref {name!r}")
        return self.names[name]

    def _intrinsic(self, tag: str, arg: Any) -> Any:
        if tag == "Ref":
            return self._ref(arg)
        if tag == "Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
            return _SUB_VARIABLE.sub(
                lambda m: str(extra[m.group(1)] if m.group(1) in extra else self._ref(m.group(1))),
                text)
        if tag == "If":
            name, when_true, when_false = arg
            return self.resolve(when_true if self.condition(name) else when_false)
        if tag == "Equals":
            left, right = self.resolve(arg)
            return left == right
        if tag == "Not":
            return not self.resolve(arg[0])
        if tag == "And":
            return all(self.resolve(arg))
        if tag == "Or":
            return any(self.resolve(arg))
        if tag == "Condition":
            return self.condition(arg)
        if tag == "Join":
            separator, items = arg
            return separator.join(str(item) for item in self.resolve(items))
        raise ValueError(f"intrinsic !{tag} is not supported by the local stack")
