"""The SAM transform (AWS::Serverless-2016-10-31 -> plain CloudFormation), as CloudFormation
runs it at deploy time.

Run by SAM CLI's own interpreter (.venv/tools/sam/bin/python), where aws-sam-translator lives
at the version SAM CLI pins; the project venv never imports this module.

    .venv/tools/sam/bin/python tests/support/sam_transform.py [--placeholder-code] TEMPLATE [PARAMS_JSON]

TEMPLATE is YAML or JSON (short intrinsic forms allowed); PARAMS_JSON a JSON object of
parameter values. The translator takes only S3 code locations (what `sam package` writes):
with --placeholder-code, local CodeUri / ContentUri paths become placeholder S3 URIs (as
`sam validate` does), for checks of the template alone, without a build. The transformed template is written to stdout as JSON. Managed policies
are resolved from the translator's bundled list only (no IAM call): an unknown managed policy
name fails the transform, as it would fail the deploy.
"""
from __future__ import annotations

import json
import sys


class BundledPoliciesOnly:
    """ManagedPolicyLoader stand-in: the translator consults its bundled AWS managed policy
    list first and asks this loader only for names missing there."""

    def load(self) -> dict[str, str]:
        return {}


CODE_PROPERTIES = {"AWS::Serverless::Function": "CodeUri",
                   "AWS::Serverless::LayerVersion": "ContentUri"}


def placeholder_code(template: dict) -> None:
    for name, resource in (template.get("Resources") or {}).items():
        prop = CODE_PROPERTIES.get(resource.get("Type"))
        props = resource.get("Properties") or {}
        uri = props.get(prop)
        if prop and (uri is None or (isinstance(uri, str) and not uri.startswith("s3://"))):
            # Image functions and inline code have no CodeUri to replace.
            if uri is None and (props.get("InlineCode") or props.get("ImageUri")):
                continue
            props[prop] = f"s3://placeholder-bucket/{name}.zip"
            resource["Properties"] = props


def main(argv: list[str]) -> int:
    from samcli.yamlhelper import yaml_parse
    from samtranslator.translator.transform import transform

    args = argv[1:]
    placeholders = "--placeholder-code" in args
    args = [a for a in args if a != "--placeholder-code"]
    with open(args[0], encoding="utf-8") as fh:
        template = yaml_parse(fh.read())
    if placeholders:
        placeholder_code(template)
    parameters = json.loads(args[1]) if len(args) > 1 else {}
    transformed = transform(template, parameters, BundledPoliciesOnly())
    json.dump(transformed, sys.stdout, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
