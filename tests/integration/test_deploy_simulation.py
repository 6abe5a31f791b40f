"""A simulated deploy: `sam build`, `sam package`, the SAM transform and a CloudFormation
create into moto reach CREATE_COMPLETE, and what moto created is what the template asks for.

What this covers, and what it does not:
- Real: the build, the packaging (every artifact zipped and uploaded), the SAM transform (the
  aws-sam-translator SAM CLI pins), parameters and conditions, creation order, and every
  Ref / GetAtt / Sub between the resources created.
- Created by moto (and checked below): IAM roles with their inline and managed policies,
  Lambda functions (code read back from the uploaded zips), layer versions, versions,
  permissions, EventBridge rules with their targets and dead-letter queues, the S3 bucket
  (encryption, Block Public Access, lifecycle, CORS, event notifications), SQS queues, log
  groups, SNS topics, SSM parameters. tests/support/moto_models.py adds, on moto's own
  backends, what moto's CloudFormation lacks: AWS::Lambda::Alias (AutoPublishAlias),
  AWS::Lambda::EventInvokeConfig (on-failure destinations), AWS::SecretsManager::Secret,
  and Ref values for layer versions and versions.
- moto ignores some properties of a function: Layers, Architectures, EphemeralStorage,
  SnapStart and LoggingConfig. The test attaches each function's layers afterwards with
  update_function_configuration (which checks that each layer version exists) and checks
  Lambda's own limits on them (no layer twice, at most 5, 250 MB unzipped with the code),
  and the limits Lambda puts on memory, timeout, /tmp and SnapStart.
- Not created at all (NOT_SIMULATED, with what checks each instead): CloudFront, the HTTP
  API and its stage, alarms, bucket and queue policies. They get a placeholder id so that
  what refers to them is created; a new type moto cannot create shows up as a test warning.
- Custom resources: moto would invoke their function in Docker; there is none here. The
  test takes the request moto builds (and checks it: every property resolved, the service
  token a deployed function) and answers SUCCESS itself with stand-in data
  (CUSTOM_RESOURCE_ANSWERS). What the hooks do is tested with the deploy_hooks function.
- Nothing is invoked: there is no Lambda runtime here. test_function_permissions.py checks
  statically what IAM would refuse at run time (moto does not enforce IAM).
"""
from __future__ import annotations

import ast
import io
import json
import logging
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from tests.support import cfn, deploy, moto_models

pytestmark = pytest.mark.slow

ARTIFACTS_BUCKET = "tuber-sim-artifacts"
# Lambda's limits on a function's layers.
MAX_LAYERS = 5
MAX_UNZIPPED_BYTES = 262_144_000

NOT_SIMULATED = {
    "AWS::ApiGatewayV2::Api": "routes and integrations: test_sam_template.py, the local "
                              "gateway tests (same template routes)",
    "AWS::ApiGatewayV2::Stage": "throttling and access logs: cfn-lint, checkov "
                                "(test_template_checks.py)",
    "AWS::S3::BucketPolicy": "cfn-lint, checkov",
    "AWS::SQS::QueuePolicy": "cfn-lint, checkov",
    "AWS::CloudFront::Distribution": "cfn-lint, checkov",
    "AWS::CloudFront::OriginAccessControl": "cfn-lint, checkov",
    "AWS::CloudFront::PublicKey": "cfn-lint, checkov",
    "AWS::CloudFront::KeyGroup": "cfn-lint, checkov",
    "AWS::CloudFront::ResponseHeadersPolicy": "cfn-lint; the same directives as the local "
                                              "gateway: test_local_static_headers.py",
    "AWS::CloudWatch::Alarm": "cfn-lint, checkov",
    "AWS::SNS::Subscription": "cfn-lint",
}

# Stand-in answers (the Data of a SUCCESS response) for each custom resource type.
CUSTOM_RESOURCE_ANSWERS = {
    "Custom::MediaSigningKey": {"PublicKeyPem": "-----BEGIN PUBLIC KEY-----\nstand-in\n"
                                                "-----END PUBLIC KEY-----\n",
                                "Fingerprint": "0123456789abcdef"},
}

EXTERNAL_LAYER_NAME = "operator-ffmpeg"
SCENARIOS = {
    # What `sam deploy --guided` gives an operator who keeps every default.
    "defaults": {"stack": "tuber-sim", "parameters": {}},
    # Every option on: the other side of each condition.
    "every-option": {"stack": "tuber-all", "parameters": {
        "TranscoderBackend": "mediaconvert",
        "MediaConvertRoleArn": f"arn:aws:iam::{deploy.ACCOUNT_ID}:role/tuber-mediaconvert",
        "AlarmEmail": "ops@example.com",
        "ApiReservedConcurrency": "20",
        "LogRetentionDays": "90",
        # A layer the operator published (stood in for here).
        "FfmpegLayerArn": f"arn:aws:lambda:{deploy.REGION}:{deploy.ACCOUNT_ID}:layer:"
                          f"{EXTERNAL_LAYER_NAME}:1",
    }},
}


@dataclass
class Deployed:
    stack_name: str
    template: dict                      # the transformed template
    parameters: dict[str, str]
    artifacts: dict[str, dict]          # built logical id -> zip key and sizes
    custom_requests: list[dict]
    placeholders: list[str]
    status_before_answers: str
    physical: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)

    @property
    def resources(self) -> dict:
        return self.template["Resources"]

    def of_type(self, cfn_type: str) -> dict[str, dict]:
        resolver = self.resolver()
        return {k: v for k, v in self.resources.items()
                if v["Type"] == cfn_type and resolver.resource_enabled(k)}

    def resolver(self) -> cfn.Resolver:
        def getatt(logical: str, attr: str):
            if attr == "Arn":
                return self.arn_of(logical)
            if attr == "Version" and self.resources[logical]["Type"] == "AWS::Lambda::Version":
                return self.physical[logical].rsplit(":", 1)[1]
            return f"{logical}.{attr}"

        return cfn.Resolver(self.template, self.parameters, ref=lambda n: self.physical[n],
                            getatt=getatt, account_id=deploy.ACCOUNT_ID,
                            region=deploy.REGION, stack_name=self.stack_name)

    def arn_of(self, logical: str) -> str:
        kind = self.resources[logical]["Type"]
        physical = self.physical[logical]
        if kind == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{deploy.REGION}:{deploy.ACCOUNT_ID}:{physical.rsplit('/', 1)[1]}"
        if kind == "AWS::Lambda::Function":
            return f"arn:aws:lambda:{deploy.REGION}:{deploy.ACCOUNT_ID}:function:{physical}"
        if kind == "AWS::IAM::Role":
            return boto3.client("iam").get_role(RoleName=physical)["Role"]["Arn"]
        if kind == "AWS::Logs::LogGroup":
            return f"arn:aws:logs:{deploy.REGION}:{deploy.ACCOUNT_ID}:log-group:{physical}:*"
        return physical


class CustomResourceRequests:
    """moto invokes a custom resource's function in a thread (in Docker): take the request
    instead, for the test to check and answer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        from moto import settings
        from moto.awslambda.models import LambdaFunction

        self.requests: list[dict] = []
        requests = self.requests

        def invoke(function, body, request_headers, response_headers):
            requests.append({"function_arn": function.function_arn,
                             "event": json.loads(body)})
            return b"{}"

        monkeypatch.setattr(LambdaFunction, "invoke", invoke)
        # The response URL's host: moto asks Docker for it otherwise. Never called here.
        monkeypatch.setattr(settings, "moto_server_host", lambda: "http://localhost")

    def answer_all(self) -> None:
        """SUCCESS for every request, as CloudFormation's response URL takes it (what moto's
        ProcessCfnResponse does: the resource gets its Data, the stack completes when every
        custom resource has answered)."""
        from moto.cloudformation import cloudformation_backends

        backend = cloudformation_backends[deploy.ACCOUNT_ID][deploy.REGION]
        for request in self.requests:
            event = request["event"]
            stack = backend.get_stack(event["StackId"])
            data = CUSTOM_RESOURCE_ANSWERS.get(event["ResourceType"], {})
            stack.get_custom_resource(event["LogicalResourceId"]).set_data(data)
            stack.verify_readiness()


@pytest.fixture(scope="module")
def built(sam_build) -> Path:
    return sam_build / "template.yaml"


@pytest.fixture(scope="module")
def moto_account(built, tmp_path_factory):
    """One moto account for the module: the artifacts bucket holds the packaged build (zipped
    once), each scenario deploys its own stack."""
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as monkeypatch:
        for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": deploy.REGION,
                           "AWS_REGION": deploy.REGION}.items():
            monkeypatch.setenv(key, value)
        # AWS managed policies loaded: attaching one that does not exist fails, as in IAM.
        with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
            s3 = boto3.client("s3")
            s3.create_bucket(Bucket=ARTIFACTS_BUCKET)
            packaged, artifacts = deploy.package(built, s3, ARTIFACTS_BUCKET)
            # The operator's own ffmpeg layer (FfmpegLayerArn), published beforehand.
            boto3.client("lambda").publish_layer_version(
                LayerName=EXTERNAL_LAYER_NAME, Content={"ZipFile": _zip({"bin/ffmpeg": b""})},
                CompatibleRuntimes=["python3.13"])
            yield {"packaged": packaged, "artifacts": artifacts, "deployed": {},
                   "workdir": tmp_path_factory.mktemp("transform")}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _deploy(account: dict, scenario: str) -> Deployed:
    spec = SCENARIOS[scenario]
    packaged = account["packaged"]
    known = packaged.get("Parameters") or {}
    parameters = deploy.parameter_values(
        packaged, {k: v for k, v in spec["parameters"].items() if k in known})
    transformed = deploy.transform(packaged, parameters, workdir=account["workdir"])
    placeholders = moto_models.unmodelled_types(transformed)
    cloudformation = boto3.client("cloudformation")
    with pytest.MonkeyPatch.context() as monkeypatch:
        custom = CustomResourceRequests(monkeypatch)
        with moto_models.registered(placeholders), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.getLogger("moto").setLevel(logging.ERROR)
            cloudformation.create_stack(
                StackName=spec["stack"], TemplateBody=json.dumps(transformed),
                Parameters=[{"ParameterKey": k, "ParameterValue": v}
                            for k, v in parameters.items()],
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM",
                              "CAPABILITY_AUTO_EXPAND"])
        before = cloudformation.describe_stacks(StackName=spec["stack"])["Stacks"][0]
        custom.answer_all()
    deployed = Deployed(spec["stack"], transformed, parameters, account["artifacts"],
                        custom.requests, placeholders, before["StackStatus"])
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=spec["stack"]):
        for summary in page["StackResourceSummaries"]:
            deployed.physical[summary["LogicalResourceId"]] = summary.get(
                "PhysicalResourceId", "")
            deployed.statuses[summary["LogicalResourceId"]] = summary["ResourceStatus"]
    return deployed


@pytest.fixture(params=list(SCENARIOS))
def stack(request, moto_account) -> Deployed:
    deployed = moto_account["deployed"]
    if request.param not in deployed:
        deployed[request.param] = _deploy(moto_account, request.param)
    return deployed[request.param]


def built_logical(logical: str, artifacts: dict) -> str:
    """The built resource a transformed one comes from: SAM names a layer version
    {layer}{10 hex digits of its content hash}."""
    if logical in artifacts:
        return logical
    matches = [b for b in artifacts if logical.startswith(b) and len(logical) == len(b) + 10]
    assert len(matches) == 1, (logical, matches)
    return matches[0]


def _functions(stack: Deployed) -> dict[str, dict]:
    return stack.of_type("AWS::Lambda::Function")


# ---- the stack --------------------------------------------------------------------------

def test_stack_reaches_create_complete(stack):
    status = boto3.client("cloudformation").describe_stacks(
        StackName=stack.stack_name)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"
    customs = [k for k, v in stack.resources.items() if v["Type"].startswith("Custom::")
               or v["Type"] == "AWS::CloudFormation::CustomResource"]
    if customs:  # CloudFormation waits for their answers
        assert stack.status_before_answers == "CREATE_IN_PROGRESS"
    unknown = [t for t in stack.placeholders if t not in NOT_SIMULATED]
    if unknown:
        warnings.warn(f"moto creates nothing for {unknown}: list them in NOT_SIMULATED "
                      "with what checks them instead")
    print(f"\n[{stack.stack_name}] not created by moto (placeholders): {stack.placeholders}")


def test_every_resource_is_created(stack):
    resolver = stack.resolver()
    expected = [k for k in stack.resources if resolver.resource_enabled(k)]
    missing = [k for k in expected if stack.statuses.get(k) != "CREATE_COMPLETE"]
    assert not missing, missing
    skipped = [k for k, v in stack.resources.items() if not resolver.resource_enabled(k)]
    assert all(k not in stack.physical for k in skipped), skipped


def test_custom_resources_get_fully_resolved_requests(stack):
    customs = {k: v for k, v in stack.resources.items()
               if v["Type"].startswith("Custom::")
               or v["Type"] == "AWS::CloudFormation::CustomResource"}
    asked = {r["event"]["LogicalResourceId"]: r for r in stack.custom_requests}
    assert sorted(asked) == sorted(customs)
    lambda_client = boto3.client("lambda")
    for logical, request in asked.items():
        event = request["event"]
        assert event["RequestType"] == "Create"
        assert event["ResourceType"] == customs[logical]["Type"]
        # moto drops a property whose reference resolved to nothing: all must be there.
        assert set(event["ResourceProperties"]) == set(customs[logical]["Properties"]), logical
        assert all(v not in (None, "") or customs[logical]["Properties"][k] == ""
                   for k, v in event["ResourceProperties"].items()), event
        lambda_client.get_function(FunctionName=event["ServiceToken"])  # a deployed function
        assert request["function_arn"].startswith(event["ServiceToken"])


# ---- functions --------------------------------------------------------------------------

def test_functions_are_configured_as_the_template_says(stack):
    lambda_client = boto3.client("lambda")
    iam = boto3.client("iam")
    resolver = stack.resolver()
    for logical, resource in _functions(stack).items():
        props = resolver.resolve(resource["Properties"])
        config = lambda_client.get_function_configuration(FunctionName=stack.physical[logical])
        for key in ("Runtime", "Handler", "MemorySize", "Timeout"):
            if key in props:
                assert str(config[key]) == str(props[key]), (logical, key)
        role = iam.get_role(RoleName=config["Role"].rsplit("/", 1)[1])["Role"]
        principals = [s["Principal"].get("Service") for s in
                      role["AssumeRolePolicyDocument"]["Statement"]]
        assert any("lambda.amazonaws.com" in (p if isinstance(p, list) else [p])
                   for p in principals), logical
        # Every variable the template sets arrived, none lost to an unresolved reference.
        wanted = props.get("Environment", {}).get("Variables", {})
        got = config.get("Environment", {}).get("Variables", {})
        assert {k: str(v) for k, v in wanted.items()} == {k: str(v) for k, v in got.items()}, \
            logical
        if "ReservedConcurrentExecutions" in props:
            concurrency = lambda_client.get_function_concurrency(
                FunctionName=stack.physical[logical])
            assert concurrency.get("ReservedConcurrentExecutions") == int(
                props["ReservedConcurrentExecutions"]), logical


def test_function_settings_lambda_accepts(stack):
    """Limits Lambda enforces at deploy time and moto does not."""
    resolver = stack.resolver()
    for logical, resource in _functions(stack).items():
        props = resolver.resolve(resource["Properties"])
        assert 128 <= int(props.get("MemorySize", 128)) <= 10240, logical
        assert 1 <= int(props.get("Timeout", 3)) <= 900, logical
        ephemeral = int(props.get("EphemeralStorage", {}).get("Size", 512))
        assert 512 <= ephemeral <= 10240, logical
        if props.get("SnapStart", {}).get("ApplyOn") == "PublishedVersions":
            # SnapStart refuses more than 512 MB of /tmp, EFS and containers.
            assert ephemeral == 512 and not props.get("FileSystemConfigs") \
                and props.get("PackageType", "Zip") == "Zip", logical


def test_each_function_zip_holds_its_handler(stack):
    s3 = boto3.client("s3")
    for logical, resource in _functions(stack).items():
        code = resource["Properties"]["Code"]
        data = s3.get_object(Bucket=code["S3Bucket"], Key=code["S3Key"])["Body"].read()
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        module = resource["Properties"]["Handler"].rsplit(".", 1)[0].replace(".", "/")
        assert f"{module}.py" in names or any(
            n.startswith(f"{module.rsplit('/', 1)[0]}/__pycache__/"
                         f"{module.rsplit('/', 1)[1]}.") for n in names), (logical, module)


def test_layers_exist_attach_and_fit_lambda_limits(stack):
    """moto's CloudFormation drops a function's Layers: attach them as Lambda would, which
    fails for a layer version that does not exist."""
    lambda_client = boto3.client("lambda")
    resolver = stack.resolver()
    layer_logicals = {stack.physical[k]: built_logical(k, stack.artifacts)
                      for k in stack.of_type("AWS::Lambda::LayerVersion")}
    for logical, resource in _functions(stack).items():
        layers = resolver.resolve(resource["Properties"].get("Layers", []))
        names = [arn.rsplit(":", 1)[0] for arn in layers]
        assert len(names) == len(set(names)), f"{logical} lists a layer twice: {layers}"
        assert len(layers) <= MAX_LAYERS, logical
        lambda_client.update_function_configuration(FunctionName=stack.physical[logical],
                                                    Layers=layers)
        attached = lambda_client.get_function_configuration(
            FunctionName=stack.physical[logical]).get("Layers", [])
        assert [layer["Arn"] for layer in attached] == layers, logical
        code_logical = resource.get("Metadata", {}).get("SamResourceId", logical)
        unzipped = stack.artifacts[code_logical]["unzipped"] + sum(
            stack.artifacts[layer_logicals[arn]]["unzipped"]
            for arn in layers if arn in layer_logicals)
        assert unzipped <= MAX_UNZIPPED_BYTES, (logical, unzipped)
        print(f"\n[{stack.stack_name}] {logical}: {unzipped / 1e6:.1f} MB unzipped with its "
              f"layers (Lambda's limit: {MAX_UNZIPPED_BYTES / 1e6:.0f} MB)")


def test_published_alias_and_on_failure_destinations(stack):
    lambda_client = boto3.client("lambda")
    sqs = boto3.client("sqs")
    resolver = stack.resolver()
    for logical, resource in stack.of_type("AWS::Lambda::Alias").items():
        props = resolver.resolve(resource["Properties"])
        alias = lambda_client.get_alias(FunctionName=props["FunctionName"], Name=props["Name"])
        assert alias["FunctionVersion"] == str(props["FunctionVersion"]), logical
    destinations = {}
    for logical, resource in stack.of_type("AWS::Lambda::EventInvokeConfig").items():
        props = resolver.resolve(resource["Properties"])
        config = lambda_client.get_function_event_invoke_config(
            FunctionName=props["FunctionName"])
        for outcome in ("OnFailure", "OnSuccess"):
            destination = props.get("DestinationConfig", {}).get(outcome, {}).get("Destination")
            if destination and ":sqs:" in destination:
                # The destination queue exists.
                sqs.get_queue_url(QueueName=destination.rsplit(":", 1)[1])
                assert config["DestinationConfig"][outcome]["Destination"] == destination
            elif destination and ":lambda:" in destination:
                # A function (TranscodePartFunction's failed parts go to on_transcoded): it
                # exists, and so does the alias named, which holds that function's own
                # retries and dead-letter queue.
                function, _, qualifier = destination.split(":function:", 1)[1].partition(":")
                lambda_client.get_function(FunctionName=function)
                if qualifier and qualifier != "$LATEST" and not qualifier.isdigit():
                    lambda_client.get_alias(FunctionName=function, Name=qualifier)
                assert config["DestinationConfig"][outcome]["Destination"] == destination
        destinations[logical] = props.get("DestinationConfig", {}).get("OnFailure", {}).get(
            "Destination")
    # Every asynchronously invoked function sends what still fails somewhere.
    assert all(destinations.values()), destinations
    assert any(":lambda:" in d for d in destinations.values()), destinations


def test_roles_carry_their_policies(stack):
    from moto.iam.policy_validation import IAMPolicyDocumentValidator

    iam = boto3.client("iam")
    resolver = stack.resolver()
    for logical, resource in stack.of_type("AWS::IAM::Role").items():
        props = resolver.resolve(resource["Properties"])
        name = stack.physical[logical]
        inline = set(iam.list_role_policies(RoleName=name)["PolicyNames"])
        assert {p["PolicyName"] for p in props.get("Policies", [])} <= inline, logical
        for policy in props.get("Policies", []):
            document = iam.get_role_policy(RoleName=name,
                                           PolicyName=policy["PolicyName"])["PolicyDocument"]
            if isinstance(document, str):  # moto's CloudFormation stores the dict's repr
                document = ast.literal_eval(document)
            # moto leaves an AWS::NoValue list item as None; CloudFormation removes it.
            if isinstance(document.get("Statement"), list):
                document["Statement"] = [s for s in document["Statement"] if s is not None]
            # IAM's own checks on a policy document (moto's validator: actions, resources,
            # condition operators, effect...). moto's CloudFormation skips them.
            try:
                IAMPolicyDocumentValidator(json.dumps({"Version": "2012-10-17", **document})
                                           ).validate()
            except Exception as exc:
                raise AssertionError(f"{logical} {policy['PolicyName']}: {exc}: {document}")
            statements = document["Statement"]
            statements = statements if isinstance(statements, list) else [statements]
            # Every statement kept its resources (none lost to an unresolved reference).
            for statement in statements:
                assert statement.get("Resource") or statement.get("NotResource"), (
                    logical, policy["PolicyName"], statement)
        attached = {p["PolicyArn"] for p in
                    iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
        assert set(props.get("ManagedPolicyArns", [])) <= attached, logical


def test_event_rules_target_deployed_functions(stack):
    events = boto3.client("events")
    lambda_client = boto3.client("lambda")
    sqs = boto3.client("sqs")
    for logical, resource in stack.of_type("AWS::Events::Rule").items():
        name = stack.physical[logical].split("|")[-1].rsplit("/", 1)[-1]
        targets = events.list_targets_by_rule(Rule=name)["Targets"]
        assert len(targets) == len(resource["Properties"].get("Targets", [])), logical
        for target in targets:
            if ":lambda:" in target["Arn"]:
                lambda_client.get_function(FunctionName=target["Arn"])
            dead_letter = target.get("DeadLetterConfig", {}).get("Arn")
            if dead_letter:
                sqs.get_queue_url(QueueName=dead_letter.rsplit(":", 1)[1])


# ---- storage, queues, secrets, logs ---------------------------------------------------

def test_media_bucket_is_private_encrypted_and_notifies_the_functions(stack):
    s3 = boto3.client("s3")
    lambda_client = boto3.client("lambda")
    resolver = stack.resolver()
    for logical, resource in stack.of_type("AWS::S3::Bucket").items():
        props = resolver.resolve(resource["Properties"])
        bucket = stack.physical[logical]
        if "BucketName" in props:
            assert bucket == props["BucketName"]
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                         "BlockPublicPolicy": True, "RestrictPublicBuckets": True}, logical
        rules = s3.get_bucket_encryption(Bucket=bucket)[
            "ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], logical
        if "LifecycleConfiguration" in props:
            lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
            assert {r["ID"] for r in lifecycle} == {
                r["Id"] for r in props["LifecycleConfiguration"]["Rules"]}, logical
        notifications = props.get("NotificationConfiguration", {}).get(
            "LambdaConfigurations", [])
        if notifications:
            got = s3.get_bucket_notification_configuration(Bucket=bucket)[
                "LambdaFunctionConfigurations"]
            assert sorted(c["LambdaFunctionArn"] for c in got) == sorted(
                n["Function"] for n in notifications), logical
            for config in got:
                lambda_client.get_function(FunctionName=config["LambdaFunctionArn"])
    unapplied = moto_models.bucket_properties_not_applied()
    if unapplied:
        warnings.warn(f"the simulated deploy does not apply bucket properties {unapplied}: "
                      "teach tests/support/moto_models.py SimulatedBucket")


def test_queues_keep_messages_encrypted(stack):
    sqs = boto3.client("sqs")
    resolver = stack.resolver()
    for logical, resource in stack.of_type("AWS::SQS::Queue").items():
        props = resolver.resolve(resource["Properties"])
        attributes = sqs.get_queue_attributes(QueueUrl=stack.physical[logical],
                                              AttributeNames=["All"])["Attributes"]
        if "MessageRetentionPeriod" in props:
            assert attributes["MessageRetentionPeriod"] == str(
                props["MessageRetentionPeriod"]), logical
        assert (attributes.get("SqsManagedSseEnabled") == "true"
                or attributes.get("KmsMasterKeyId")), logical
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]
            sqs.get_queue_url(QueueName=target.rsplit(":", 1)[1])


def test_secrets_exist_and_functions_name_them(stack):
    secrets = boto3.client("secretsmanager")
    resolver = stack.resolver()
    arns = {}
    for logical, resource in stack.of_type("AWS::SecretsManager::Secret").items():
        props = resolver.resolve(resource["Properties"])
        secret = secrets.get_secret_value(SecretId=stack.physical[logical])
        assert secret["SecretString"], logical
        if "SecretString" in props:
            assert secret["SecretString"] == props["SecretString"], logical
        arns[stack.physical[logical]] = logical
    lambda_client = boto3.client("lambda")
    for logical, resource in _functions(stack).items():
        variables = lambda_client.get_function_configuration(
            FunctionName=stack.physical[logical]).get("Environment", {}).get("Variables", {})
        for name, value in variables.items():
            if ":secretsmanager:" in str(value):
                assert value in arns, (logical, name, value)


def test_log_groups_expire(stack):
    logs = boto3.client("logs")
    resolver = stack.resolver()
    for logical, resource in stack.of_type("AWS::Logs::LogGroup").items():
        props = resolver.resolve(resource["Properties"])
        group = logs.describe_log_groups(logGroupNamePrefix=stack.physical[logical])[
            "logGroups"][0]
        assert group.get("retentionInDays") == int(props["RetentionInDays"]), logical
