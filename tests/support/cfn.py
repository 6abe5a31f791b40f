"""CloudFormation intrinsic functions, resolved the way CloudFormation resolves them at
deploy time, for tests that read a (SAM-transformed) template: Ref, Fn::Sub, Fn::GetAtt,
Fn::If and the conditions, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Base64,
Fn::ToJsonString; `AWS::NoValue` removes the key or list item that holds it.

What a resource's Ref or GetAtt stands for is the caller's choice (`ref` and `getatt`):
physical ids read back from a deployed stack, or symbolic values for static checks.
"""
from __future__ import annotations

import base64
import json
import re
from typing import Any, Callable

NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class Resolver:
    def __init__(self, template: dict, parameters: dict[str, str], *,
                 ref: Callable[[str], Any], getatt: Callable[[str, str], Any],
                 account_id: str, region: str, stack_name: str, partition: str = "aws"):
        self.template = template
        self.resources = template.get("Resources") or {}
        self.parameters = {}
        for name, spec in (template.get("Parameters") or {}).items():
            value = parameters.get(name, spec.get("Default"))
            if value is not None and spec.get("Type") == "CommaDelimitedList":
                value = [v.strip() for v in str(value).split(",")]
            self.parameters[name] = value if isinstance(value, list) or value is None \
                else str(value)
        self.pseudo = {
            "AWS::AccountId": account_id, "AWS::Region": region,
            "AWS::StackName": stack_name, "AWS::Partition": partition,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": f"arn:{partition}:cloudformation:{region}:{account_id}:stack/"
                            f"{stack_name}/00000000-0000-0000-0000-000000000000",
        }
        self._ref = ref
        self._getatt = getatt
        self._conditions: dict[str, bool] = {}

    # ---- conditions --------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self._condition_value(
                (self.template.get("Conditions") or {})[name]))
        return self._conditions[name]

    def _condition_value(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            (key, value), = node.items()
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in value)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._condition_value(value[0])
            if key == "Fn::And":
                return all(self._condition_value(v) for v in value)
            if key == "Fn::Or":
                return any(self._condition_value(v) for v in value)
            if key == "Condition":
                return self.condition(value)
        return self.resolve(node)

    def resource_enabled(self, logical_id: str) -> bool:
        condition = self.resources.get(logical_id, {}).get("Condition")
        return condition is None or self.condition(condition)

    # ---- values ------------------------------------------------------------------------
    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self._ref(name)
        raise KeyError(f"Ref to unknown {name}")

    def sub(self, template: str, variables: dict[str, Any] | None = None) -> str:
        variables = variables or {}

        def value(match: re.Match) -> str:
            name = match.group(1).strip()
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                logical, attr = name.split(".", 1)
                return str(self._getatt(logical, attr))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(value, template).replace("${!", "${")

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, value), = node.items()
            if key == "Ref":
                return self.ref(value)
            if key == "Fn::GetAtt":
                logical, attr = value if isinstance(value, list) else value.split(".", 1)
                return self._getatt(logical, self.resolve(attr))
            if key == "Fn::Sub":
                if isinstance(value, list):
                    return self.sub(value[0], {k: self.resolve(v) for k, v in value[1].items()})
                return self.sub(value)
            if key == "Fn::If":
                name, when_true, when_false = value
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Join":
                separator, items = value
                return separator.join(str(v) for v in self.resolve(items))
            if key == "Fn::Select":
                index, items = value
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                separator, text = value
                return str(self.resolve(text)).split(separator)
            if key == "Fn::FindInMap":
                name, first, second = (self.resolve(v) for v in value)
                return self.template["Mappings"][name][first][second]
            if key == "Fn::Base64":
                return base64.b64encode(str(self.resolve(value)).encode()).decode()
            if key == "Fn::ToJsonString":
                return json.dumps(self.resolve(value))
            if key == "Fn::GetAZs":
                region = self.resolve(value) or self.pseudo["AWS::Region"]
                return [f"{region}{zone}" for zone in "abc"]
            if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
                return self._condition_value(node)
        resolved = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}
