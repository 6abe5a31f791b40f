"""What moto cannot check: every function's IAM policy allows every AWS call its code makes,
and each function's layers are sound. Static: the SAM-transformed template against the code.

The calls are read from the code (tests/support/aws_calls.py: each function's package and the
layer code it reaches, with the S3 keys, secrets and parameters each call touches); what the
role allows is read from the transformed template (tests/support/iam_policy.py, which also
evaluates the policies). A call whose target the code alone does not say is declared in
aws_calls.DECLARED; an S3 read that treats a missing key as a normal answer (404) also needs
s3:ListBucket, without which S3 answers 403.

Run for the defaults and for every option on (the mediaconvert backend, an operator's ffmpeg
layer...), as test_deploy_simulation.py deploys them.
"""
from __future__ import annotations

from functools import cache

import pytest

from tests.support import aws_calls, deploy, iam_policy

SCENARIOS = {
    "defaults": {},
    "every-option": {
        "TranscoderBackend": "mediaconvert",
        "MediaConvertRoleArn": f"arn:aws:iam::{iam_policy.ACCOUNT_ID}:role/tuber-mediaconvert",
        "AlarmEmail": "ops@example.com",
        "ApiReservedConcurrency": "20",
        "FfmpegLayerArn": f"arn:aws:lambda:{iam_policy.REGION}:{iam_policy.ACCOUNT_ID}:layer:"
                          "operator-ffmpeg:1",
    },
}
LAYER_ARN = r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+"


@cache
def source_template() -> dict:
    return deploy.load_template(deploy.ROOT / "template.yaml")


@cache
def codebase() -> aws_calls.Codebase:
    return aws_calls.Codebase()


class Scenario:
    def __init__(self, name: str, tmp_dir):
        source = source_template()
        known = source.get("Parameters") or {}
        self.name = name
        self.parameters = deploy.parameter_values(
            source, {k: v for k, v in SCENARIOS[name].items() if k in known})
        self.template = deploy.transform(deploy.ROOT / "template.yaml", self.parameters,
                                         placeholder_code=True, workdir=tmp_dir)
        self.resolver = iam_policy.symbolic_resolver(self.template, self.parameters)

    def functions(self) -> dict[str, dict]:
        return {k: v for k, v in self.template["Resources"].items()
                if v["Type"] == "AWS::Lambda::Function" and self.resolver.resource_enabled(k)}

    def package(self, function: str) -> str:
        """The tuber_* package of a function's code (its CodeUri in template.yaml)."""
        sam_id = self.template["Resources"][function].get("Metadata", {}).get(
            "SamResourceId", function)
        source = source_template()
        code_uri = (source["Resources"][sam_id].get("Properties") or {}).get("CodeUri") or (
            source.get("Globals", {}).get("Function", {}).get("CodeUri"))
        packages = sorted(p.name for p in (deploy.ROOT / code_uri).glob("tuber_*") if p.is_dir())
        assert len(packages) == 1, (function, code_uri, packages)
        return packages[0]

    def handler(self, function: str) -> str:
        """module.function of a function's handler."""
        return self.template["Resources"][function]["Properties"]["Handler"]

    def calls(self, function: str) -> list[aws_calls.Call]:
        """The AWS calls of the function's code: from its own handler (not the handler of
        another function sharing its package), made with its environment."""
        package = self.package(function)
        others = {self.handler(f) for f in self.functions()
                  if f != function and self.package(f) == package} - {self.handler(function)}
        env = self.environment(function)
        return [c for c in codebase().function_calls(package, not_roots=others)
                if aws_calls.reached(c, env)]

    def environment(self, function: str) -> dict[str, str]:
        """The function's environment, plus `Custom::Type.Property` for the custom resources
        it serves (what a deploy hook reads from its request)."""
        props = self.template["Resources"][function]["Properties"]
        env = {k: str(v) for k, v in self.resolver.resolve(
            props.get("Environment", {}).get("Variables", {})).items()}
        # Set by the Lambda runtime: the function's own name.
        env["AWS_LAMBDA_FUNCTION_NAME"] = str(self.resolver.resolve({"Ref": function}))
        for logical, resource in self.template["Resources"].items():
            if not resource["Type"].startswith("Custom::"):
                continue
            token = resource["Properties"].get("ServiceToken", {})
            target = token.get("Fn::GetAtt", [None])[0] if isinstance(token, dict) else None
            if isinstance(token, dict) and "Ref" in token:
                target = token["Ref"]
            if target == function or (target or "").startswith(function + "Alias"):
                for key, value in self.resolver.resolve(resource["Properties"]).items():
                    env[f"{resource['Type']}.{key}"] = str(value)
        return env


@pytest.fixture(scope="module", params=list(SCENARIOS))
def scenario(request, tmp_path_factory) -> Scenario:
    return Scenario(request.param, tmp_path_factory.mktemp(request.param))


def _gaps(scenario: Scenario, statements_for=None) -> tuple[list[str], list[str]]:
    """(calls the policy does not allow, calls whose target is not known)."""
    gaps, unresolved = [], []
    for function in scenario.functions():
        policy = iam_policy.function_policy(scenario.template, scenario.resolver, function)
        statements = statements_for(function, policy.statements) if statements_for \
            else policy.statements
        env = scenario.environment(function)
        seen = set()
        for call in scenario.calls(function):
            origin = f"{call.where} (via {' -> '.join(call.via) or 'the function itself'})"
            try:
                needs = iam_policy.needs(call, env)
            except iam_policy.Unresolved as exc:
                unresolved.append(f"{function}: {exc} at {origin}")
                continue
            needs += [extra for need in needs for extra in iam_policy.encryption_needs(
                need, scenario.template, scenario.resolver)]
            for need in needs:
                if (need, call.where) in seen:
                    continue
                seen.add((need, call.where))
                if not iam_policy.allows(statements, need.action, need.resource,
                                         dict(need.context)):
                    why = f" - {need.why}" if need.why else ""
                    gaps.append(f"{function}: {need}{why}\n    code: {origin}")
    return gaps, unresolved


def test_every_aws_call_is_allowed_by_the_function_policy(scenario):
    gaps, unresolved = _gaps(scenario)
    assert not unresolved, "targets the scan cannot place (declare them in " \
                           "tests/support/aws_calls.py DECLARED):\n" + "\n".join(unresolved)
    assert not gaps, f"[{scenario.name}] calls IAM would refuse:\n" + "\n".join(gaps)


# Settings the code may read on AWS that a function leaves unset on purpose: (function,
# variable) -> why. Anything else the code reaches and the environment lacks is a wiring gap.
UNSET_ON_PURPOSE: dict[tuple[str, str], str] = {}


def test_every_aws_setting_the_code_reads_is_wired(scenario):
    """A secret ARN, an SSM parameter name, a custom resource property the code reads must
    be set: else the call is never made, and the feature silently does nothing on AWS (or a
    required secret fails the function)."""
    missing = []
    for function in scenario.functions():
        env = scenario.environment(function)
        for call in scenario.calls(function):
            for name, value in call.params:
                for part in value:
                    if part.kind == "env" and part.text not in env and \
                            (function, part.text) not in UNSET_ON_PURPOSE:
                        missing.append(f"{function}: {part.text} ({call.service}."
                                       f"{call.operation} {name} at {call.where})")
    assert not missing, "\n".join(sorted(set(missing)))


def test_the_check_catches_a_read_that_expects_404_without_list_bucket(scenario):
    """The gap of issue 13 (on_transcoded read manifest.json with s3:GetObject only, so a
    missing manifest was a 403): without any s3:ListBucket, the check must report it. Its
    reads that expect a 404 today: the video function's (a retried video whose raw upload
    is gone answers raw_upload_missing; a custom thumbnail never uploaded)."""
    def without_list_bucket(function, statements):
        if function != "VideoFunction":
            return statements
        return [s for s in statements
                if not any(iam_policy._glob(a, "s3:ListBucket", ignore_case=True)
                           for a in iam_policy._as_list(s.get("Action", [])))]

    gaps, _ = _gaps(scenario, without_list_bucket)
    assert any(g.startswith("VideoFunction: s3:ListBucket") and
               "tuber_video.retry" in g for g in gaps), gaps


def test_each_function_sharing_a_package_is_checked_from_its_own_handler(scenario):
    """TranscodeFunction and TranscodePartFunction run one package with two handlers: the
    planner's calls (the part function invoked, the upload checked and probed) are not the
    part's (segments and playlists written under hls/), and each policy allows its own."""
    def operations(function):
        return {(c.service, c.operation) for c in scenario.calls(function)}

    def invoke_sites(function):
        return {c.where.split(":")[0] for c in scenario.calls(function)
                if (c.service, c.operation) == ("lambda", "invoke")}

    planner, part = operations("TranscodeFunction"), operations("TranscodePartFunction")
    # Only the planner invokes the part function; both may start a notification fan-out
    # (a published video), through tuber_common.notifications.
    assert "tuber_transcode.pipeline" in invoke_sites("TranscodeFunction")
    assert invoke_sites("TranscodePartFunction") == {"tuber_common.notifications"}
    assert ("s3", "head_object") in planner and ("s3", "head_object") not in part
    # The planner encodes nothing on AWS: it writes no media (TRANSCODE_CHUNK_FUNCTION set).
    assert not {("s3", "upload_file"), ("s3", "put_object")} & planner
    assert {("s3", "upload_file"), ("s3", "put_object")} <= part
    assert scenario.environment("TranscodeFunction")["TRANSCODE_CHUNK_FUNCTION"]


def _function_and_qualifier(target: str) -> tuple[str, str]:
    """(function name, qualifier) of a name, name:qualifier or function ARN (unqualified:
    $LATEST)."""
    pieces = target.split(":")
    if target.startswith("arn:"):
        return pieces[6], (pieces[7] if len(pieces) > 7 else "$LATEST")
    return pieces[0], (pieces[1] if len(pieces) > 1 else "$LATEST")


def test_asynchronous_invocations_reach_the_qualifier_that_retries_and_catches_them(scenario):
    """A function's retries and on-failure destination (EventInvokeConfig) belong to one
    qualifier: SAM puts them on the `live` alias (AutoPublishAlias). An invocation of any
    other qualifier, the unqualified name ($LATEST) included, gets neither: a transcode part
    that fails would never reach OnTranscodedFunction, and its video would wait for the
    sweep. So every asynchronous invoke in the code, and every on-failure destination that
    is a function, must name the qualifier whose configuration it relies on."""
    configured: dict[str, str] = {}
    destinations: list[tuple[str, str]] = []
    for logical, resource in scenario.template["Resources"].items():
        if resource["Type"] != "AWS::Lambda::EventInvokeConfig" or \
                not scenario.resolver.resource_enabled(logical):
            continue
        props = scenario.resolver.resolve(resource["Properties"])
        name, _ = _function_and_qualifier(str(props["FunctionName"]))
        configured[name] = str(props.get("Qualifier") or "$LATEST")
        for outcome, target in (props.get("DestinationConfig") or {}).items():
            destination = str(target.get("Destination") or "")
            if ":lambda:" in destination:
                destinations.append((f"{logical} {outcome}", destination))
    assert configured, "no function has an asynchronous invocation configuration"
    invoked = []
    for function in scenario.functions():
        env = scenario.environment(function)
        for call in scenario.calls(function):
            if (call.service, call.operation) == ("lambda", "invoke"):
                target = aws_calls.pattern(call.param("FunctionName"), env)
                if target:
                    invoked.append((f"{function} at {call.where}", target))
    assert invoked, "the planner invokes the part function: the scan should see it"
    wrong = []
    for who, target in invoked + destinations:
        name, qualifier = _function_and_qualifier(target)
        if name in configured and configured[name] != qualifier:
            wrong.append(f"{who} invokes {target} ({qualifier}), whose asynchronous "
                         f"configuration is on {configured[name]}")
    assert not wrong, "\n".join(wrong)


def test_every_aws_call_site_belongs_to_a_function():
    """Each AWS call in the code is reached from some function's code: none escapes the
    check above by sitting where the scan does not look."""
    base = codebase()
    for package in sorted({p.name for p in deploy.ROOT.glob("functions/*/tuber_*")}):
        base.function_calls(package)
    sites = base.aws_call_sites()
    assert sites, "the scan found no AWS call at all"
    unreached = {where: op for where, op in sites.items() if where not in base.reached_call_sites}
    assert not unreached, unreached


def test_managed_policies_are_known(scenario):
    for function in scenario.functions():
        policy = iam_policy.function_policy(scenario.template, scenario.resolver, function)
        assert policy.role, f"{function} has no role of the template"
        assert not policy.unknown_managed, (function, policy.unknown_managed)


# ---- layers --------------------------------------------------------------------------------

def test_no_function_lists_a_layer_twice_and_every_layer_exists(scenario):
    import re

    resources = scenario.template["Resources"]
    layer_arns = {scenario.resolver.ref(k): k for k, v in resources.items()
                  if v["Type"] == "AWS::Lambda::LayerVersion"}
    for function, resource in scenario.functions().items():
        raw = resource["Properties"].get("Layers", [])
        for item in raw:
            if isinstance(item, dict) and "Ref" in item and item["Ref"] in resources:
                assert resources[item["Ref"]]["Type"] == "AWS::Lambda::LayerVersion", item
        layers = scenario.resolver.resolve(raw)
        names = [arn.rsplit(":", 1)[0] for arn in layers]
        assert len(names) == len(set(names)), f"{function} lists a layer twice: {layers}"
        assert len(layers) <= 5, function
        for arn in layers:
            assert arn in layer_arns or re.fullmatch(LAYER_ARN, arn), (function, arn)
