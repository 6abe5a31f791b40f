"""IAM, statically: what each function's role allows (from the SAM-transformed template),
what each AWS call needs (from tests/support/aws_calls.py), and a small policy evaluator to
match them. For tests/integration/test_function_permissions.py.

The evaluator covers what identity policies here use: Allow and Deny, Action / NotAction and
Resource / NotResource with * and ? wildcards, and Conditions with the String*, Arn*, Bool
and Null operators (with IfExists, ForAnyValue / ForAllValues). An operator it does not know
makes an Allow statement not apply and a Deny statement apply (never a false "allowed").
"""
from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import aws_calls, cfn

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
STACK_NAME = "tuber"


# ---- the template, resolved symbolically --------------------------------------------------

def _physical_name(logical: str) -> str:
    return f"{STACK_NAME}-{logical}-ABCDEF123456"


def symbolic_resolver(template: dict, parameters: dict[str, str]) -> cfn.Resolver:
    """Refs and GetAtts of resources as CloudFormation would shape them (ARNs, names, URLs),
    built from the logical id: the same resource always resolves to the same value, in a
    function's environment and in its policies alike."""
    resources = template.get("Resources") or {}
    holder: dict[str, cfn.Resolver] = {}

    def prop(logical: str, name: str) -> Any:
        value = (resources[logical].get("Properties") or {}).get(name)
        return holder["r"].resolve(value) if value is not None else None

    def ref(logical: str) -> str:
        kind = resources[logical]["Type"]
        if kind == "AWS::SecretsManager::Secret":
            return f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{logical}-AbCdEf"
        if kind == "AWS::S3::Bucket":
            return prop(logical, "BucketName") or _physical_name(logical).lower()
        if kind == "AWS::SQS::Queue":
            name = prop(logical, "QueueName") or _physical_name(logical)
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{name}"
        if kind == "AWS::SNS::Topic":
            name = prop(logical, "TopicName") or _physical_name(logical)
            return f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT_ID}:{name}"
        if kind == "AWS::SSM::Parameter":
            return prop(logical, "Name") or _physical_name(logical)
        if kind == "AWS::CloudFront::Distribution":
            return f"E{logical.upper()}"
        if kind == "AWS::Lambda::Function":
            return prop(logical, "FunctionName") or _physical_name(logical)
        if kind == "AWS::Lambda::LayerVersion":
            name = prop(logical, "LayerName") or _physical_name(logical)
            return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1"
        if kind == "AWS::Lambda::Alias":
            return f"{getatt(prop_ref(logical, 'FunctionName'), 'Arn')}:{prop(logical, 'Name')}"
        if kind == "AWS::IAM::Role":
            return prop(logical, "RoleName") or _physical_name(logical)
        if kind == "AWS::Logs::LogGroup":
            return prop(logical, "LogGroupName") or _physical_name(logical)
        if kind == "AWS::KMS::Key":
            return f"{logical.lower()}-0000-0000-0000-000000000000"
        return f"{logical}-physical-id"

    def prop_ref(logical: str, name: str) -> str:
        value = (resources[logical].get("Properties") or {}).get(name)
        return value["Ref"] if isinstance(value, dict) and "Ref" in value else str(value)

    def getatt(logical: str, attr: str) -> str:
        kind = resources[logical]["Type"]
        if attr == "Arn":
            if kind == "AWS::SQS::Queue":
                return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT_ID}:{ref(logical).rsplit('/', 1)[1]}"
            if kind == "AWS::S3::Bucket":
                return f"arn:{PARTITION}:s3:::{ref(logical)}"
            if kind == "AWS::Lambda::Function":
                return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{ref(logical)}"
            if kind == "AWS::IAM::Role":
                return f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role/{ref(logical)}"
            if kind == "AWS::Logs::LogGroup":
                return f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT_ID}:log-group:{ref(logical)}:*"
            if kind == "AWS::KMS::Key":
                return f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT_ID}:key/{ref(logical)}"
            if kind in ("AWS::SecretsManager::Secret", "AWS::SNS::Topic"):
                return ref(logical)
            return f"arn:{PARTITION}:{kind.split('::')[1].lower()}:{REGION}:{ACCOUNT_ID}:{logical}"
        if kind == "AWS::SQS::Queue" and attr == "QueueName":
            return ref(logical).rsplit("/", 1)[1]
        if kind == "AWS::CloudFront::Distribution" and attr == "DomainName":
            return f"{logical.lower()}.cloudfront.net"
        if kind == "AWS::S3::Bucket" and attr in ("DomainName", "RegionalDomainName"):
            return f"{ref(logical)}.s3.{REGION}.amazonaws.com"
        return f"{logical}.{attr}"

    resolver = cfn.Resolver(template, parameters, ref=ref, getatt=getatt,
                            account_id=ACCOUNT_ID, region=REGION, stack_name=STACK_NAME,
                            partition=PARTITION)
    holder["r"] = resolver
    return resolver


@cache
def _aws_managed_policies() -> dict[str, dict]:
    """AWS managed policies by ARN, with their documents (moto ships them)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data = json.loads(aws_managed_policies_data)
    policies = {}
    for name, policy in data.items():
        path = policy.get("Path", "/")
        policies[f"arn:{PARTITION}:iam::aws:policy{path}{name}"] = policy["Document"]
    return policies


@dataclass
class FunctionPolicy:
    function: str                 # logical id of the AWS::Lambda::Function
    role: str | None
    statements: list[dict]
    unknown_managed: list[str]    # managed policy ARNs whose document we do not have


def _statements(document: Any) -> list[dict]:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    return [s for s in (statements if isinstance(statements, list) else [statements]) if s]


def function_policy(template: dict, resolver: cfn.Resolver, function: str) -> FunctionPolicy:
    resources = template["Resources"]
    role_value = (resources[function].get("Properties") or {}).get("Role")
    role = None
    if isinstance(role_value, dict) and "Fn::GetAtt" in role_value:
        target = role_value["Fn::GetAtt"]
        role = target[0] if isinstance(target, list) else target.split(".")[0]
    statements: list[dict] = []
    unknown: list[str] = []
    if role is None or role not in resources:
        return FunctionPolicy(function, None, statements, unknown)
    props = resolver.resolve(resources[role].get("Properties") or {})
    for policy in props.get("Policies", []):
        statements += _statements(policy.get("PolicyDocument"))
    managed_by_arn = {}
    for logical, resource in resources.items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy" and resolver.resource_enabled(logical):
            managed_by_arn[f"arn:{PARTITION}:iam::{ACCOUNT_ID}:policy/{logical}"] = logical
        if resource["Type"] == "AWS::IAM::Policy" and resolver.resource_enabled(logical):
            policy = resolver.resolve(resource["Properties"])
            if resolver.ref(role) in policy.get("Roles", []):
                statements += _statements(policy.get("PolicyDocument"))
    for arn in props.get("ManagedPolicyArns", []):
        if arn in _aws_managed_policies():
            statements += _statements(_aws_managed_policies()[arn])
        elif arn in managed_by_arn:
            statements += _statements(resolver.resolve(
                resources[managed_by_arn[arn]]["Properties"]).get("PolicyDocument"))
        else:
            unknown.append(arn)
    return FunctionPolicy(function, role, statements, unknown)


# ---- the evaluator -----------------------------------------------------------------------

def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


KNOWN_OPERATORS = {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
                   "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike", "ArnEquals",
                   "ArnNotEquals", "ArnLike", "ArnNotLike", "Bool", "Null"}


def _condition_holds(operator: str, key: str, expected: list, context: dict[str, Any]) -> bool:
    qualifier = ""
    if ":" in operator and operator.split(":", 1)[0] in ("ForAnyValue", "ForAllValues"):
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    if operator not in KNOWN_OPERATORS:
        raise KeyError(operator)
    present = key.lower() in context
    if operator == "Null":
        wants_missing = str(expected[0]).lower() == "true"
        return wants_missing != present
    if not present:
        return if_exists or operator.startswith(("StringNot", "ArnNot"))
    actual = _as_list(context[key.lower()])
    expected = [str(e) for e in expected]

    def matches(value: str) -> bool:
        value = str(value)
        if operator in ("StringEquals", "StringNotEquals"):
            return value in expected
        if operator in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
            return value.lower() in [e.lower() for e in expected]
        if operator in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
            return any(_glob(e, value) for e in expected)
        if operator in ("ArnEquals", "ArnNotEquals"):
            return value in expected
        if operator == "Bool":
            return value.lower() in [e.lower() for e in expected]
        raise KeyError(operator)

    negated = operator.startswith(("StringNot", "ArnNot"))
    results = [matches(v) for v in actual]
    hit = all(results) if qualifier == "ForAllValues" else any(results)
    return not hit if negated else hit


def _conditions_hold(conditions: dict, context: dict[str, Any], unknown_result: bool) -> bool:
    for operator, pairs in (conditions or {}).items():
        for key, expected in pairs.items():
            try:
                if not _condition_holds(operator, key, _as_list(expected), context):
                    return False
            except KeyError:
                return unknown_result
    return True


def _statement_applies(statement: dict, action: str, resource: str | None,
                       context: dict[str, Any]) -> bool:
    if "Action" in statement:
        if not any(_glob(a, action, ignore_case=True) for a in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(_glob(a, action, ignore_case=True) for a in _as_list(statement["NotAction"])):
            return False
    if resource is not None:
        if "Resource" in statement:
            if not any(_glob(str(r), resource) for r in _as_list(statement["Resource"])):
                return False
        elif "NotResource" in statement:
            if any(_glob(str(r), resource) for r in _as_list(statement["NotResource"])):
                return False
    deny = statement.get("Effect") == "Deny"
    return _conditions_hold(statement.get("Condition"), context, unknown_result=deny)


def allows(statements: list[dict], action: str, resource: str | None,
           context: dict[str, Any] | None = None) -> bool:
    """Would these identity policy statements allow the request? resource None: any
    resource will do (only the action is known)."""
    context = {k.lower(): v for k, v in {"aws:SecureTransport": "true",
                                         **(context or {})}.items()}
    if any(s.get("Effect") == "Deny" and _statement_applies(s, action, resource, context)
           for s in statements):
        return False
    return any(s.get("Effect") == "Allow" and _statement_applies(s, action, resource, context)
               for s in statements)


# ---- what a call needs -------------------------------------------------------------------

@dataclass(frozen=True)
class Need:
    action: str
    resource: str | None          # None: the resource is not known, the action alone counts
    context: tuple[tuple[str, str], ...] = ()
    why: str = ""

    def __str__(self) -> str:
        context = f" with {dict(self.context)}" if self.context else ""
        return f"{self.action} on {self.resource or '(any resource)'}{context}"


# S3 operations -> (IAM action, what it is checked on): "object" (Key), "source"
# (CopySource.Key) or "bucket" (with s3:prefix from Prefix).
S3_ACTIONS = {
    "get_object": [("s3:GetObject", "object")],
    "head_object": [("s3:GetObject", "object")],
    "download_file": [("s3:GetObject", "object")],
    "download_fileobj": [("s3:GetObject", "object")],
    "put_object": [("s3:PutObject", "object")],
    "upload_file": [("s3:PutObject", "object")],
    "upload_fileobj": [("s3:PutObject", "object")],
    "generate_presigned_post": [("s3:PutObject", "object")],
    "create_multipart_upload": [("s3:PutObject", "object")],
    "upload_part": [("s3:PutObject", "object")],
    "complete_multipart_upload": [("s3:PutObject", "object")],
    "abort_multipart_upload": [("s3:AbortMultipartUpload", "object")],
    "list_parts": [("s3:ListMultipartUploadParts", "object")],
    "copy_object": [("s3:GetObject", "source"), ("s3:PutObject", "object")],
    "copy": [("s3:GetObject", "source"), ("s3:PutObject", "object")],
    "upload_part_copy": [("s3:GetObject", "source"), ("s3:PutObject", "object")],
    "delete_object": [("s3:DeleteObject", "object")],
    "delete_objects": [("s3:DeleteObject", "object")],
    "list_objects_v2": [("s3:ListBucket", "bucket")],
    "list_objects": [("s3:ListBucket", "bucket")],
    "head_bucket": [("s3:ListBucket", "bucket")],
    "list_multipart_uploads": [("s3:ListBucketMultipartUploads", "bucket")],
    "get_object_tagging": [("s3:GetObjectTagging", "object")],
    "put_object_tagging": [("s3:PutObjectTagging", "object")],
}
# Reading these answers 404 for a missing key only to a caller allowed s3:ListBucket on the
# bucket (else 403). S3 checks that permission with the key as s3:prefix (so a ListBucket
# limited by an s3:prefix condition counts for the keys it covers): ceph/ceph#68577 mirrors
# AWS on this.
READS = {"get_object", "head_object", "download_file", "download_fileobj"}

SAMPLE = "x1"  # stands for what a '*' of the code's key can be


def _concrete(glob: str) -> str:
    return glob.replace("*", SAMPLE)


class Unresolved(Exception):
    """A value the analysis cannot place (declare it in aws_calls.DECLARED)."""


def needs(call: aws_calls.Call, env: dict[str, str]) -> list[Need]:
    """What IAM must allow for `call`, given the function's environment. [] when the call
    depends on a setting the function does not have (the code then does not make it)."""
    def value(name: str, required: bool = True) -> str | None:
        raw = call.param(name)
        if raw is None:
            if required:
                raise Unresolved(f"{call.service}.{call.operation} without {name}")
            return None
        text = aws_calls.pattern(raw, env)
        if text is None:
            return None
        return text

    if call.service == "s3":
        operation = call.operation
        if operation == "generate_presigned_url":
            signed = aws_calls.pattern(call.param("ClientMethod") or aws_calls.STAR)
            if not signed or signed not in S3_ACTIONS:
                raise Unresolved(f"presigned URL for {signed}")
            operation = signed
        if operation not in S3_ACTIONS:
            return [Need(f"s3:{_operation_name('s3', operation)}", None, why="s3")]
        bucket = value("Bucket", required=False)
        if not bucket or "*" in bucket:
            bucket = env.get("MEDIA_BUCKET")  # the one bucket the functions use
        if not bucket:
            raise Unresolved("no bucket (and no MEDIA_BUCKET)")
        result = []
        for action, target in S3_ACTIONS[operation]:
            if target == "bucket":
                prefix = value("Prefix", required=False)
                context = (("s3:prefix", _concrete(prefix)),) if prefix is not None else ()
                result.append(Need(action, f"arn:{PARTITION}:s3:::{bucket}", context))
                continue
            key = value("CopySource.Key" if target == "source" else "Key")
            if key is None:
                return []
            if key.strip("*") == "":
                raise Unresolved(f"{call.operation}: the key is unknown")
            result.append(Need(action, f"arn:{PARTITION}:s3:::{bucket}/{_concrete(key)}"))
            if call.expects_404 and operation in READS:
                result.append(Need("s3:ListBucket", f"arn:{PARTITION}:s3:::{bucket}",
                                   (("s3:prefix", _concrete(key)),),
                                   why="a missing key is a normal answer here (404), which "
                                       "S3 gives only with s3:ListBucket (else 403)"))
        return result
    if call.service == "secretsmanager":
        secret = value("SecretId")
        if secret is None or secret == "":
            return []
        if secret.strip("*") == "":
            raise Unresolved(f"{call.operation}: the secret is unknown")
        return [Need(f"secretsmanager:{_operation_name('secretsmanager', call.operation)}",
                     _concrete(secret))]
    if call.service == "ssm":
        name = value("Name", required=False) or value("Path", required=False)
        if not name:
            return []
        return [Need(f"ssm:{_operation_name('ssm', call.operation)}",
                     f"arn:{PARTITION}:ssm:{REGION}:{ACCOUNT_ID}:parameter/"
                     f"{_concrete(name).lstrip('/')}")]
    if call.service == "cloudfront":
        distribution = value("DistributionId", required=False)
        if distribution == "" or (distribution is None and call.param("DistributionId")):
            return []
        resource = (f"arn:{PARTITION}:cloudfront::{ACCOUNT_ID}:distribution/"
                    f"{_concrete(distribution or '*')}")
        return [Need(f"cloudfront:{_operation_name('cloudfront', call.operation)}", resource)]
    if call.service == "lambda" and call.operation == "invoke":
        function = value("FunctionName")
        if not function:
            return []  # the setting naming the function is unset: the code invokes nothing
        if function.strip("*") == "":
            raise Unresolved("invoke: the function is unknown")
        # A name, a name:qualifier or an ARN; IAM sees the ARN, with its qualifier if any
        # (a policy on the unqualified ARN does not allow invoking an alias).
        arn = function if function.startswith("arn:") else (
            f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{function}")
        return [Need("lambda:InvokeFunction", _concrete(arn))]
    if call.service == "mediaconvert" and call.operation == "create_job":
        result = [Need("mediaconvert:CreateJob",
                       f"arn:{PARTITION}:mediaconvert:{REGION}:{ACCOUNT_ID}:queues/Default")]
        # job_request() passes Role=settings.mediaconvert_role_arn: MediaConvert assumes it.
        role = env.get("MEDIACONVERT_ROLE_ARN")
        if role:
            result.append(Need("iam:PassRole", role))
        return result
    # IAM names some services differently from their API (SESv2's actions are ses:...).
    prefix = IAM_PREFIX.get(call.service, call.service)
    return [Need(f"{prefix}:{_operation_name(call.service, call.operation)}", None)]


IAM_PREFIX = {"sesv2": "ses"}


@cache
def _operation_names(service: str) -> dict[str, str]:
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


def _operation_name(service: str, method: str) -> str:
    return _operation_names(service).get(method) or "".join(
        p.capitalize() for p in method.split("_"))


# ---- what encryption with a customer managed KMS key adds ----------------------------------

def _key_arn(value: Any) -> str | None:
    """The key ARN IAM checks for a KmsKeyId / KMSMasterKeyID value; None for AWS managed
    keys (alias/aws/...), which need no permission of the caller."""
    if not value:
        return None
    text = str(value)
    if text.startswith("alias/aws/") or ":alias/aws/" in text:
        return None
    if text.startswith("arn:"):
        return text
    if text.startswith("alias/"):
        return f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT_ID}:{text}"
    return f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT_ID}:key/{text}"


def encryption_needs(need: Need, template: dict, resolver: cfn.Resolver) -> list[Need]:
    """kms:Decrypt / kms:GenerateDataKey a call needs when its secret or bucket is encrypted
    with a customer managed key (Secrets Manager and S3 then use the key as the caller)."""
    if need.resource is None:
        return []
    extra = []
    for logical, resource in (template.get("Resources") or {}).items():
        if not resolver.resource_enabled(logical):
            continue
        kind = resource["Type"]
        props = resource.get("Properties") or {}
        if kind == "AWS::SecretsManager::Secret" and need.action.startswith("secretsmanager:"):
            if _glob(need.resource, str(resolver.ref(logical))) or need.resource == str(
                    resolver.ref(logical)):
                key = _key_arn(resolver.resolve(props.get("KmsKeyId")))
                if key:
                    action = "kms:Decrypt" if need.action.endswith(("GetSecretValue",)) \
                        else "kms:GenerateDataKey"
                    extra.append(Need(action, key, why=f"{logical} is encrypted with {key}"))
        if kind == "AWS::S3::Bucket" and need.action in ("s3:GetObject", "s3:PutObject"):
            bucket = f"arn:{PARTITION}:s3:::{resolver.ref(logical)}/"
            if not need.resource.startswith(bucket):
                continue
            rules = resolver.resolve(props.get("BucketEncryption") or {}).get(
                "ServerSideEncryptionConfiguration", [])
            for rule in rules:
                default = rule.get("ServerSideEncryptionByDefault") or {}
                if default.get("SSEAlgorithm") in ("aws:kms", "aws:kms:dsse"):
                    key = _key_arn(default.get("KMSMasterKeyID"))
                    if key:
                        action = "kms:Decrypt" if need.action == "s3:GetObject" \
                            else "kms:GenerateDataKey"
                        extra.append(Need(action, key, why=f"{logical} is encrypted with {key}"))
    return extra
