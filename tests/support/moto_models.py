"""CloudFormation models moto lacks (or models too thinly), built on moto's own service
backends, for the simulated deploy (tests/integration/test_deploy_simulation.py).

moto 5 creates an AWS::S3::Bucket with its encryption and tags only (no Block Public Access,
lifecycle, CORS or notifications), an AWS::IAM::Role without its ManagedPolicyArns, AWS::Lambda::LayerVersion and AWS::Lambda::Version without the value
their Ref (and the Version's `Version` attribute) stands for, and has no
AWS::Lambda::Alias, AWS::Lambda::EventInvokeConfig or AWS::SecretsManager::Secret at all:
SAM's AutoPublishAlias (SnapStart), the functions' on-failure destinations and the secrets
would be skipped, and everything referring to them (the API's and the bucket's permissions
name the alias) would be created with the reference missing. Each model here creates the
resource through the same backend call the service's API uses, so the rest of the stack
refers to a real moto object.

`registered()` puts the models in moto's CloudFormation type map for the length of a block.
"""
from __future__ import annotations

import secrets
import string
from contextlib import contextmanager
from functools import cache
from typing import Any, Iterable, Iterator

from moto.core.common_models import CloudFormationModel


def _lambda(account_id: str, region_name: str):
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region_name)


class _Simulated(CloudFormationModel):
    """What the models below share, set by class attributes: the resource type (CFN_TYPE),
    the property that names it (NAME_PROPERTY, "" for none) and the attribute that, like
    Ref, stands for the resource's ARN (ARN_ATTRIBUTE, "" for none)."""

    CFN_TYPE = ""
    NAME_PROPERTY = ""
    ARN_ATTRIBUTE = ""
    arn: str

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == cls.ARN_ATTRIBUTE

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == self.ARN_ATTRIBUTE:
            return self.arn
        raise NotImplementedError(attribute_name)

    def is_created(self) -> bool:
        return True


class SimulatedLayerVersion(_Simulated):
    """AWS::Lambda::LayerVersion: publish_layer_version under the template's LayerName; Ref
    is the layer version ARN (moto's own model names the layer after the logical id and has
    no Ref value)."""

    CFN_TYPE, NAME_PROPERTY, ARN_ATTRIBUTE = ("AWS::Lambda::LayerVersion", "LayerName",
                                              "LayerVersionArn")

    def __init__(self, arn: str, name: str):
        self.arn = arn
        self.name = name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,  # type: ignore[misc]
                                        cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any):
        properties = cloudformation_json["Properties"]
        spec = {key: properties[key] for key in (
            "Content", "Description", "CompatibleRuntimes", "CompatibleArchitectures",
            "LicenseInfo") if key in properties}
        spec["LayerName"] = resource_name
        layer_version = _lambda(account_id, region_name).publish_layer_version(spec)
        return cls(layer_version.arn, resource_name)


class SimulatedLambdaVersion(_Simulated):
    """AWS::Lambda::Version: publish_version; Ref is the version ARN, GetAtt Version its
    number (moto's own model has neither)."""

    CFN_TYPE = "AWS::Lambda::Version"

    def __init__(self, function_arn: str, version: str):
        self.function_arn = function_arn
        self.version = version

    @property
    def physical_resource_id(self) -> str:
        return f"{self.function_arn}:{self.version}"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Version", "FunctionArn")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "Version":
            return self.version
        if attribute_name == "FunctionArn":
            return self.function_arn
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,  # type: ignore[misc]
                                        cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any):
        properties = cloudformation_json["Properties"]
        published = _lambda(account_id, region_name).publish_version(
            properties["FunctionName"], description=properties.get("Description", ""))
        base_arn = published.function_arn.rsplit(":", 1)[0]
        return cls(base_arn, str(published.version))


class SimulatedLambdaAlias(_Simulated):
    """AWS::Lambda::Alias: create_alias; Ref is the alias ARN."""

    CFN_TYPE, NAME_PROPERTY, ARN_ATTRIBUTE = "AWS::Lambda::Alias", "Name", "AliasArn"

    def __init__(self, arn: str, name: str, function_name: str):
        self.arn = arn
        self.name = name
        self.function_name = function_name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,  # type: ignore[misc]
                                        cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any):
        properties = cloudformation_json["Properties"]
        backend = _lambda(account_id, region_name)
        function = backend.get_function(properties["FunctionName"])
        alias = backend.create_alias(
            name=properties["Name"], function_name=function.function_name,
            function_version=str(properties["FunctionVersion"]),
            description=properties.get("Description", ""),
            routing_config=properties.get("RoutingConfig"))
        return cls(alias.arn, properties["Name"], function.function_name)


class SimulatedEventInvokeConfig(_Simulated):
    """AWS::Lambda::EventInvokeConfig: put_function_event_invoke_config; Ref is the
    function's name, and it has no attributes."""

    CFN_TYPE = "AWS::Lambda::EventInvokeConfig"

    def __init__(self, function_name: str):
        self.function_name = function_name

    @property
    def physical_resource_id(self) -> str:
        return self.function_name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,  # type: ignore[misc]
                                        cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any):
        properties = dict(cloudformation_json["Properties"])
        backend = _lambda(account_id, region_name)
        function = backend.get_function(properties.pop("FunctionName"),
                                        properties.pop("Qualifier", None))
        backend.put_function_event_invoke_config(function.function_name, properties)
        return cls(function.function_name)


class SimulatedSecret(_Simulated):
    """AWS::SecretsManager::Secret: create_secret, with SecretString or a value made as
    GenerateSecretString describes; Ref is the secret's ARN."""

    CFN_TYPE, NAME_PROPERTY, ARN_ATTRIBUTE = "AWS::SecretsManager::Secret", "Name", "Id"

    def __init__(self, arn: str, name: str):
        self.arn = arn
        self.name = name

    @staticmethod
    def _generate(spec: dict[str, Any]) -> str:
        alphabet = string.ascii_letters + string.digits
        if not spec.get("ExcludePunctuation"):
            alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
        alphabet = "".join(c for c in alphabet if c not in spec.get("ExcludeCharacters", ""))
        return "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength",
                                                                            32))))

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,  # type: ignore[misc]
                                        cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any):
        from moto.secretsmanager.models import secretsmanager_backends

        properties = cloudformation_json["Properties"]
        value = properties.get("SecretString")
        if value is None:
            value = cls._generate(properties.get("GenerateSecretString") or {})
        created = secretsmanager_backends[account_id][region_name].create_secret(
            name=resource_name, secret_string=value, secret_binary=None,
            description=properties.get("Description"), tags=properties.get("Tags"),
            kms_key_id=properties.get("KmsKeyId"), client_request_token=None,
            replica_regions=[], force_overwrite=False)
        if isinstance(created, str):  # moto answers its API's JSON
            import json

            created = json.loads(created)
        return cls(created["ARN"], resource_name)


@cache
def _bucket_model():
    from moto.s3.models import FakeBucket

    class SimulatedBucket(FakeBucket):
        """AWS::S3::Bucket: moto's own model applies only BucketEncryption and Tags; this one
        then applies the rest of the configuration through S3's API (moto's request
        handling, so its validation too): Block Public Access, ownership, versioning,
        lifecycle, CORS, access logging and event notifications. Like S3, it refuses a Lambda
        notification whose function does not let S3 invoke it (the permission must exist
        first). A property it cannot apply is recorded in UNAPPLIED."""

        UNAPPLIED: set[str] = set()
        HANDLED = {"BucketName", "BucketEncryption", "Tags", "PublicAccessBlockConfiguration",
                   "OwnershipControls", "VersioningConfiguration", "LifecycleConfiguration",
                   "CorsConfiguration", "LoggingConfiguration", "NotificationConfiguration"}

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str,  # type: ignore[misc]
                                            cloudformation_json: dict[str, Any],
                                            account_id: str, region_name: str, **kwargs: Any):
            import boto3

            bucket = FakeBucket.create_from_cloudformation_json(
                resource_name, cloudformation_json, account_id, region_name, **kwargs)
            props = cloudformation_json.get("Properties", {})
            cls.UNAPPLIED.update(set(props) - cls.HANDLED)
            s3 = boto3.client("s3", region_name=region_name)
            name = bucket.name
            if "PublicAccessBlockConfiguration" in props:
                s3.put_public_access_block(
                    Bucket=name,
                    PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
            if "OwnershipControls" in props:
                s3.put_bucket_ownership_controls(Bucket=name,
                                                 OwnershipControls=props["OwnershipControls"])
            if "VersioningConfiguration" in props:
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={
                    "Status": props["VersioningConfiguration"]["Status"]})
            if "LifecycleConfiguration" in props:
                s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={
                    "Rules": [_lifecycle_rule(r) for r in
                              props["LifecycleConfiguration"]["Rules"]]})
            if "CorsConfiguration" in props:
                s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
                    _rename(r, {"ExposedHeaders": "ExposeHeaders", "Id": "ID",
                                "MaxAge": "MaxAgeSeconds"})
                    for r in props["CorsConfiguration"]["CorsRules"]]})
            if "LoggingConfiguration" in props:
                logging_config = props["LoggingConfiguration"]
                s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": {
                    "TargetBucket": logging_config["DestinationBucketName"],
                    "TargetPrefix": logging_config.get("LogFilePrefix", "")}})
            if "NotificationConfiguration" in props:
                s3.put_bucket_notification_configuration(
                    Bucket=name, NotificationConfiguration=_notifications(
                        props["NotificationConfiguration"], account_id, region_name))
            return bucket

    return SimulatedBucket


@cache
def _role_model():
    from moto.iam.models import Role, iam_backends

    class SimulatedRole(Role):
        """AWS::IAM::Role: moto's own model drops ManagedPolicyArns; this one attaches them
        (moto refuses a policy that does not exist: load moto's AWS managed policies with
        mock_aws(config={"iam": {"load_aws_managed_policies": True}}))."""

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str,  # type: ignore[misc]
                                            cloudformation_json: dict[str, Any],
                                            account_id: str, region_name: str, **kwargs: Any):
            from moto.utilities.utils import get_partition

            role = Role.create_from_cloudformation_json(
                resource_name, cloudformation_json, account_id, region_name, **kwargs)
            backend = iam_backends[account_id][get_partition(region_name)]
            for arn in cloudformation_json.get("Properties", {}).get("ManagedPolicyArns", []):
                backend.attach_role_policy(arn, role.name)
            return role

    return SimulatedRole


def _rename(item: dict, names: dict[str, str]) -> dict:
    return {names.get(k, k): v for k, v in item.items()}


def _lifecycle_rule(rule: dict) -> dict:
    api: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"],
                           "Filter": {"Prefix": rule.get("Prefix", "")}}
    for key, value in rule.items():
        if key in ("Id", "Status", "Prefix"):
            continue
        if key == "ExpirationInDays":
            api["Expiration"] = {"Days": int(value)}
        elif key == "AbortIncompleteMultipartUpload":
            api[key] = {"DaysAfterInitiation": int(value["DaysAfterInitiation"])}
        elif key == "NoncurrentVersionExpiration":
            api[key] = {"NoncurrentDays": int(value["NoncurrentDays"])}
        elif key == "ExpiredObjectDeleteMarker":
            api.setdefault("Expiration", {})["ExpiredObjectDeleteMarker"] = bool(value)
        else:
            raise NotImplementedError(f"lifecycle rule property {key} (tests/support/"
                                      "moto_models.py _lifecycle_rule)")
    return api


def _filter(cfn_filter: dict | None) -> dict:
    rules = ((cfn_filter or {}).get("S3Key") or {}).get("Rules") or []
    return {"Key": {"FilterRules": rules}} if rules else {}


def _notifications(config: dict, account_id: str, region_name: str) -> dict:
    """CloudFormation's NotificationConfiguration as S3's API takes it; S3 checks that each
    Lambda destination lets S3 invoke it, and so does this."""
    import json

    import boto3

    api: dict[str, Any] = {}
    lambda_client = boto3.client("lambda", region_name=region_name)
    for item in config.get("LambdaConfigurations") or []:
        function = item["Function"]
        policy = json.loads(lambda_client.get_policy(FunctionName=function)["Policy"])
        if not any((s.get("Principal") or {}).get("Service") == "s3.amazonaws.com"
                   for s in policy["Statement"]):
            raise ValueError(f"Unable to validate the following destination configurations:"
                             f" {function} does not let s3.amazonaws.com invoke it")
        api.setdefault("LambdaFunctionConfigurations", []).append({
            "LambdaFunctionArn": function, "Events": [item["Event"]],
            **({"Filter": _filter(item["Filter"])} if item.get("Filter") else {})})
    for item in config.get("QueueConfigurations") or []:
        api.setdefault("QueueConfigurations", []).append({
            "QueueArn": item["Queue"], "Events": [item["Event"]],
            **({"Filter": _filter(item["Filter"])} if item.get("Filter") else {})})
    for item in config.get("TopicConfigurations") or []:
        api.setdefault("TopicConfigurations", []).append({
            "TopicArn": item["Topic"], "Events": [item["Event"]],
            **({"Filter": _filter(item["Filter"])} if item.get("Filter") else {})})
    if (config.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled"):
        api["EventBridgeConfiguration"] = {}
    return api


class Placeholder(CloudFormationModel):
    """A type moto does not model at all (CloudFront, API Gateway v2, alarms...): nothing is
    created, but the resource gets a made-up physical id and attribute values, so that what
    refers to it is still created (else moto fails the stack on the first GetAtt to it).
    `placeholder_for(type)` makes one class per type."""

    CFN_TYPE = "?"

    def __init__(self, logical_id: str):
        self.logical_id = logical_id

    @property
    def physical_resource_id(self) -> str:
        return f"{self.logical_id.lower()}-placeholder"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return f"{self.logical_id.lower()}-{attribute_name.lower()}-placeholder"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,  # type: ignore[misc]
                                        cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any):
        return cls(kwargs["LogicalId"])

    def is_created(self) -> bool:
        return True


def placeholder_for(cfn_type: str) -> type[Placeholder]:
    name = "Placeholder_" + cfn_type.replace("::", "_")
    return type(name, (Placeholder,), {"CFN_TYPE": cfn_type,
                                       "cloudformation_type": staticmethod(lambda: cfn_type)})


def unmodelled_types(template: dict) -> list[str]:
    """The resource types of a (transformed) template that moto's CloudFormation, with the
    models above, does not create."""
    from moto.cloudformation import parsing

    model_map = parsing.get_model_map()
    types = {r.get("Type", "") for r in (template.get("Resources") or {}).values()}
    return sorted(t for t in types
                  if (t not in model_map or issubclass(model_map[t], Placeholder))
                  and not t.startswith("Custom::") and t not in SIMULATED_TYPES
                  and t not in parsing.NULL_MODELS)


def bucket_properties_not_applied() -> set[str]:
    return set(_bucket_model().UNAPPLIED)


SIMULATED_TYPES = {model.cloudformation_type(): model for model in (
    SimulatedLayerVersion, SimulatedLambdaVersion, SimulatedLambdaAlias, SimulatedEventInvokeConfig, SimulatedSecret)}


@contextmanager
def registered(placeholders: Iterable[str] = ()) -> Iterator[None]:
    """moto's CloudFormation uses these models (replacing its own LayerVersion and Version
    models), and a Placeholder for each type in `placeholders`, until the block ends. Its
    type map is built once and cached: the models are written into the cached map, and the
    map is restored afterwards."""
    from moto.cloudformation import parsing

    model_map, name_types = parsing.get_model_map(), parsing.get_name_type_map()
    saved = dict(model_map), dict(name_types)
    models = {**SIMULATED_TYPES, "AWS::S3::Bucket": _bucket_model(),
              "AWS::IAM::Role": _role_model(),
              **{t: placeholder_for(t) for t in placeholders}}
    for cfn_type, model in models.items():
        model_map[cfn_type] = model
        name_types[cfn_type] = model.cloudformation_name_type()
    try:
        yield
    finally:
        model_map.clear()
        model_map.update(saved[0])
        name_types.clear()
        name_types.update(saved[1])
