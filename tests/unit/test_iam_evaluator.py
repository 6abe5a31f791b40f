"""The small IAM evaluator and the symbolic values behind test_function_permissions.py."""
from tests.support import aws_calls, iam_policy
from tests.support.iam_policy import Need, allows

BUCKET = "arn:aws:s3:::media"


def statement(action, resource, effect="Allow", **extra):
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def test_actions_match_case_insensitively_with_wildcards():
    policy = [statement(["s3:Get*", "secretsmanager:GetSecretValue"], "*")]
    assert allows(policy, "s3:GetObject", f"{BUCKET}/a")
    assert allows(policy, "S3:getobject", f"{BUCKET}/a")
    assert not allows(policy, "s3:PutObject", f"{BUCKET}/a")


def test_resources_match_with_wildcards_and_case():
    policy = [statement("s3:GetObject", f"{BUCKET}/hls/*")]
    assert allows(policy, "s3:GetObject", f"{BUCKET}/hls/v1/master.m3u8")
    assert not allows(policy, "s3:GetObject", f"{BUCKET}/raw/v1/source")
    assert not allows(policy, "s3:GetObject", f"{BUCKET}/HLS/v1/master.m3u8")
    assert allows([statement("s3:GetObject", f"{BUCKET}/hls/?/x")], "s3:GetObject",
                  f"{BUCKET}/hls/a/x")


def test_deny_wins_and_not_action_not_resource():
    policy = [statement("s3:*", "*"),
              statement("s3:DeleteObject", f"{BUCKET}/raw/*", effect="Deny")]
    assert allows(policy, "s3:DeleteObject", f"{BUCKET}/hls/a")
    assert not allows(policy, "s3:DeleteObject", f"{BUCKET}/raw/a")
    assert allows([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
                  "s3:GetObject", "x")
    assert not allows([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
                      "iam:PassRole", "x")
    assert not allows([{"Effect": "Allow", "Action": "s3:*", "NotResource": f"{BUCKET}/raw/*"}],
                      "s3:GetObject", f"{BUCKET}/raw/a")


def test_prefix_conditions():
    policy = [statement("s3:ListBucket", BUCKET,
                        Condition={"StringLike": {"s3:prefix": ["hls/*"]}})]
    assert allows(policy, "s3:ListBucket", BUCKET, {"s3:prefix": "hls/v1/"})
    assert not allows(policy, "s3:ListBucket", BUCKET, {"s3:prefix": "raw/v1/"})
    # No prefix in the request: the condition does not hold...
    assert not allows(policy, "s3:ListBucket", BUCKET)
    # ...unless it says IfExists.
    if_exists = [statement("s3:ListBucket", BUCKET,
                           Condition={"StringLikeIfExists": {"s3:prefix": ["hls/*"]}})]
    assert allows(if_exists, "s3:ListBucket", BUCKET)


def test_unknown_condition_operators_never_allow_and_always_deny():
    odd = {"NumericLessThan": {"s3:max-keys": "10"}}
    assert not allows([statement("s3:*", "*", Condition=odd)], "s3:GetObject", "x")
    assert not allows([statement("s3:*", "*"), statement("s3:*", "*", effect="Deny",
                                                         Condition=odd)], "s3:GetObject", "x")


def test_secure_transport_deny_does_not_hit_sdk_calls():
    policy = [statement("s3:*", "*"),
              statement("s3:*", "*", effect="Deny",
                        Condition={"Bool": {"aws:SecureTransport": "false"}})]
    assert allows(policy, "s3:GetObject", f"{BUCKET}/a")


def test_a_read_that_expects_404_needs_list_bucket_on_its_key():
    # As POST /video/{id}/retry reads the raw upload: gone is a normal answer there.
    call = aws_calls.Call("s3", "head_object",
                          (("Bucket", aws_calls.lit("media")),
                           ("Key", aws_calls.concat(aws_calls.lit("raw/"), aws_calls.STAR,
                                                    aws_calls.lit("/source")))),
                          "m:1", expects_404=True)
    needs = iam_policy.needs(call, {})
    assert Need("s3:GetObject", f"{BUCKET}/raw/x1/source") in needs
    [listing] = [n for n in needs if n.action == "s3:ListBucket"]
    assert listing.resource == BUCKET
    assert dict(listing.context) == {"s3:prefix": "raw/x1/source"}
    without_404 = aws_calls.Call("s3", "head_object", call.params, "m:1")
    assert [n.action for n in iam_policy.needs(without_404, {})] == ["s3:GetObject"]


def test_an_invoke_needs_invoke_function_on_the_qualifier_it_names():
    call = aws_calls.Call("lambda", "invoke",
                          (("FunctionName", (aws_calls.Part("env", "PART_FUNCTION"),)),), "m:1")
    function = "arn:aws:lambda:us-east-1:123456789012:function:tuber-Part"
    assert iam_policy.needs(call, {"PART_FUNCTION": "tuber-Part"}) == [
        Need("lambda:InvokeFunction", function)]
    assert iam_policy.needs(call, {"PART_FUNCTION": f"{function}:live"}) == [
        Need("lambda:InvokeFunction", f"{function}:live")]
    # Not set: the code invokes nothing (it runs the parts itself).
    assert iam_policy.needs(call, {}) == []
    # A policy on the function's ARN does not cover its alias.
    assert not allows([statement("lambda:InvokeFunction", function)],
                      "lambda:InvokeFunction", f"{function}:live")
    assert allows([statement("lambda:InvokeFunction", f"{function}:live")],
                  "lambda:InvokeFunction", f"{function}:live")


def test_code_reached_only_without_a_setting_does_not_count_with_it():
    [(gate, (variable, _why))] = list(aws_calls.ONLY_WITHOUT.items())[:1]
    call = aws_calls.Call("s3", "put_object", (("Key", aws_calls.lit("hls/x")),), "m:1",
                          via=("a.handler (a:1)", f"{gate} (a:2)"))
    assert not aws_calls.reached(call, {variable: "tuber-Part"})
    assert aws_calls.reached(call, {variable: ""}) and aws_calls.reached(call, {})
    direct = aws_calls.Call("s3", "put_object", call.params, "m:1", via=("a.handler (a:1)",))
    assert aws_calls.reached(direct, {variable: "tuber-Part"})


def test_a_shared_package_is_scanned_from_each_handler():
    base = aws_calls.Codebase()
    both = base.function_calls("tuber_transcode")
    planner = base.function_calls("tuber_transcode",
                                  not_roots={"tuber_transcode.handler.part_handler"})
    part = base.function_calls("tuber_transcode",
                               not_roots={"tuber_transcode.handler.lambda_handler"})
    def operations(calls):
        return {(c.service, c.operation) for c in calls}
    assert operations(planner) | operations(part) == operations(both)
    def invoke_sites(calls):
        return {c.where.split(":")[0] for c in calls if (c.service, c.operation) == ("lambda", "invoke")}
    # The planner invokes the part function; a part may only start a notification fan-out.
    assert "tuber_transcode.pipeline" in invoke_sites(planner) - invoke_sites(part)
    assert invoke_sites(part) == {"tuber_common.notifications"}
    assert ("s3", "head_object") in operations(planner) - operations(part)
    assert all(c.via[0].startswith("tuber_transcode.parts.run")
               for c in part if c.service == "s3")


def test_copy_needs_read_on_the_source_and_write_on_the_target():
    call = aws_calls.Call("s3", "copy_object",
                          (("CopySource.Key", aws_calls.lit("incoming/a.png")),
                           ("Key", aws_calls.lit("thumbs/a.png"))), "m:1")
    assert iam_policy.needs(call, {"MEDIA_BUCKET": "media"}) == [
        Need("s3:GetObject", f"{BUCKET}/incoming/a.png"),
        Need("s3:PutObject", f"{BUCKET}/thumbs/a.png")]


def test_a_call_on_an_unset_setting_is_not_made():
    call = aws_calls.Call("ssm", "get_parameter",
                          (("Name", (aws_calls.Part("env", "X_PARAMETER"),)),), "m:1")
    assert iam_policy.needs(call, {}) == []
    assert iam_policy.needs(call, {"X_PARAMETER": "/s/x"}) == [
        Need("ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/s/x")]


def test_values_concatenate_and_bind():
    value = aws_calls.concat(aws_calls.lit("raw/"), (aws_calls.Part("param", "video_id"),),
                             aws_calls.lit("/source"))
    assert aws_calls.show(value) == "raw/{video_id}/source"
    call = aws_calls.Call("s3", "put_object", (("Key", value),), "m:1")
    bound = call.bind({"video_id": aws_calls.STAR}, via="f")
    assert aws_calls.pattern(bound.param("Key")) == "raw/*/source"
    assert aws_calls.declared_value("${A}/x*") == (aws_calls.Part("env", "A"),
                                                   aws_calls.Part("lit", "/x"),
                                                   aws_calls.Part("star"))


def test_a_customer_managed_key_adds_kms_needs():
    from tests.support import cfn

    template = {"Resources": {
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Secret": {"Type": "AWS::SecretsManager::Secret",
                   "Properties": {"KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
        "Plain": {"Type": "AWS::SecretsManager::Secret",
                  "Properties": {"KmsKeyId": "alias/aws/secretsmanager"}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": "media", "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                   "KMSMasterKeyID": {"Ref": "Key"}}}]}}}}}
    resolver = iam_policy.symbolic_resolver(template, {})
    key = resolver.resolve({"Fn::GetAtt": ["Key", "Arn"]})
    secret = Need("secretsmanager:GetSecretValue", resolver.ref("Secret"))
    assert [(n.action, n.resource) for n in iam_policy.encryption_needs(
        secret, template, resolver)] == [("kms:Decrypt", key)]
    plain = Need("secretsmanager:GetSecretValue", resolver.ref("Plain"))
    assert iam_policy.encryption_needs(plain, template, resolver) == []
    write = Need("s3:PutObject", f"{BUCKET}/raw/x1/source")
    [needed] = iam_policy.encryption_needs(write, template, resolver)
    assert needed.action == "kms:GenerateDataKey" and needed.resource.endswith(
        "key/key-0000-0000-0000-000000000000")
