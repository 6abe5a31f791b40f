"""The AWS calls a Lambda function's code makes, read from the code itself (AST), for
tests/integration/test_function_permissions.py.

For one function (functions/<name>/), every module of its package is scanned, and the calls
it makes into the shared layer (tuber_common) are followed, function by function, as far as
they go: a layer function counts only if the function's code reaches it. A call on a boto3
client (any service of SERVICES, found by the client's factory or by an operation name only
that service has) or on Powertools Parameters becomes a `Call`: the service, the operation
and the values of its parameters that say what it touches (Bucket, Key, Prefix, SecretId,
Name, DistributionId...).

Parameter values are symbolic (`Value`): literal text, an environment variable (a setting:
`get_settings().media_bucket` is MEDIA_BUCKET), a parameter of the enclosing function (bound
at each call site: `raw_key(video_id)` is "raw/*/source" wherever it is called), or unknown
("*"). An S3 key that the code alone does not place (it comes from an event, a database
document, a request) is declared in DECLARED, with the reason.

Two functions may share a package (TranscodeFunction and TranscodePartFunction: one code,
two handlers): each is scanned from its own handler, not the other's. Code a function reaches
only while a setting is unset (ONLY_WITHOUT) does not count for a function that sets it.

Calls inside a `try` whose `except` treats NoSuchKey / 404 as a normal answer are marked
`expects_404`: S3 answers 404 there only to a caller allowed s3:ListBucket (else 403).

A few layer functions are modelled rather than scanned (MODELLED): their AWS calls take
their target from a string argument (`secret("jwt_secret")` reads JWT_SECRET_ARN).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parents[2]
LAYER_DIR = ROOT / "layers" / "common"
LAYER_PACKAGE = "tuber_common"
POWERTOOLS_PARAMETERS = "aws_lambda_powertools.utilities.parameters"

# Services whose calls are checked. A client method is recognised by its client's factory
# (a function returning boto3.client("<service>")), else by an operation name that only one
# of these services has.
SERVICES = ("s3", "secretsmanager", "ssm", "cloudfront", "mediaconvert", "sqs", "sns",
            "lambda", "events", "logs", "cloudwatch", "kms", "sts", "sesv2")
# boto3's S3 transfer helpers and presigning, which have no operation of their own.
S3_EXTRA_METHODS = {"download_file", "download_fileobj", "upload_file", "upload_fileobj",
                    "generate_presigned_post", "copy"}
# Every client has these; the operation they sign is their first argument.
ANY_CLIENT_METHODS = {"generate_presigned_url"}

# What the code alone does not place (an S3 key from an event, a document, a request):
# (module.function, expression as written there) -> value, and why. A value is a glob with
# ${NAME} for an environment variable of the function, or ${Custom::Type.Property} for a
# property of the custom resources the function serves (read from the template).
DECLARED: dict[tuple[str, str], tuple[str, str]] = {
    ("tuber_transcode.pipeline.handle_upload", "key"):
        ("raw/*", "the key of the S3 event; TranscodeFunction's RawUpload filter is raw/"),
    ("tuber_transcode.pipeline._check_size", "key"):
        ("raw/*", "the key handle_upload was given (raw/)"),
    ("tuber_transcode.pipeline._process", "key"):
        ("raw/*", "the key handle_upload was given (raw/)"),
    ("tuber_video.retry.retry", "key"):
        ("raw/*", "the video's rawKey, which create_video sets to raw_key(id)"),
    ("tuber_video.thumbnails.confirm", "key"):
        ("incoming/thumbs/*", "matched against _STAGED_KEY (incoming/thumbs/...)"),
    ("tuber_video.thumbnails.confirm", "public"):
        ("thumbs/*", "the staged key without its incoming/ prefix"),
    ("tuber_video.thumbnails._check_object", "key"):
        ("incoming/thumbs/*", "confirm's staged key"),
    ("tuber_video.thumbnails._publish", "staged"):
        ("incoming/thumbs/*", "confirm's staged key"),
    ("tuber_video.thumbnails._publish", "public"):
        ("thumbs/*", "confirm's public key"),
    ("tuber_video.thumbnails._delete_object", "key"):
        ("*thumbs/*", "a staged (incoming/thumbs/) or published (thumbs/) thumbnail"),
    ("tuber_common.multipart.sweep", "upload"):
        ("raw/*", "an upload listed under Prefix raw/"),
    ("tuber_common.multipart.abort", "key"):
        ("raw/*", "every resumable upload is of raw_key(id)"),
    ("tuber_transcode.assembly.put_file", "key"):
        ("hls/*", "a part's segments, sprite and poster, all under media_keys.hls_prefix("
                  "video_id) (parts._encode, the only caller, through put_many)"),
    ("tuber_transcode.parts.run", "doc['rawKey']"):
        ("raw/*", "the video's rawKey, which start_processing sets to the upload's raw/ key"),
    ("tuber_transcode.pipeline._fan_out", "settings.transcode_chunk_function"):
        ("${TRANSCODE_CHUNK_FUNCTION}", "the settings _process passes (get_settings())"),
    ("tuber_notification_fanout.handler.lambda_handler", "context.invoked_function_arn"):
        ("${AWS_LAMBDA_FUNCTION_NAME}:live", "the fan-out continues itself: the alias Lambda "
         "invoked it by (its own name, set by the runtime, and AutoPublishAlias's alias)"),
    ("tuber_deploy_hooks.signing_key.ensure_key", "secret_id"):
        ("${Custom::MediaSigningKey.SecretId}", "the custom resource's SecretId"),
    ("tuber_deploy_hooks.signing_key._stored_key", "secret_id"):
        ("${Custom::MediaSigningKey.SecretId}", "the custom resource's SecretId"),
    ("tuber_deploy_hooks.web_client.publish", "location.prefix"):
        ("${Custom::WebClient.Prefix}", "the custom resource's Prefix"),
    ("tuber_deploy_hooks.web_client._list", "location.prefix"):
        ("${Custom::WebClient.Prefix}", "the custom resource's Prefix"),
    ("tuber_deploy_hooks.web_client._delete", "Key"):
        ("${Custom::WebClient.Prefix}*", "keys listed under the custom resource's Prefix"),
    ("tuber_deploy_hooks.web_client.handle", "distribution"):
        ("${Custom::WebClient.DistributionId}", "the custom resource's DistributionId"),
}

# Code a function reaches only when one of its settings is unset: calls made through
# `module.function` do not count for a function whose environment sets the variable.
# module.function -> (variable, why).
ONLY_WITHOUT: dict[str, tuple[str, str]] = {
    "tuber_transcode.pipeline._run_part_here":
        ("TRANSCODE_CHUNK_FUNCTION", "one machine without a part function encodes the parts "
         "in-process; with the variable set (TranscodeFunction on AWS) each part is sent to "
         "that function (pipeline._process returns _fan_out first)"),
}


def reached(call: "Call", env: dict[str, str]) -> bool:
    """Whether `call` is made by a function with environment `env` (see ONLY_WITHOUT)."""
    for step in call.via:
        gated = ONLY_WITHOUT.get(step.split(" (", 1)[0])
        if gated and env.get(gated[0]):
            return False
    return True


# Operations recognised by their name alone (the receiver's factory unknown): names no other
# library used here has. Anything else needs a receiver made by a boto3.client factory.
NAME_ALONE = {
    "s3": {"get_object", "head_object", "put_object", "delete_object", "delete_objects",
           "copy_object", "list_objects_v2", "list_objects", "create_multipart_upload",
           "upload_part", "complete_multipart_upload", "abort_multipart_upload", "list_parts",
           "list_multipart_uploads", "generate_presigned_post", "download_file",
           "download_fileobj", "upload_file", "upload_fileobj", "head_bucket",
           "get_object_tagging", "put_object_tagging", "restore_object"},
    "secretsmanager": {"get_secret_value", "put_secret_value", "describe_secret",
                       "update_secret", "create_secret", "rotate_secret"},
    "ssm": {"get_parameter", "get_parameters", "get_parameters_by_path", "put_parameter"},
    "cloudfront": {"create_invalidation", "get_invalidation"},
    "mediaconvert": {"create_job", "describe_endpoints"},
    "sqs": {"send_message", "send_message_batch", "receive_message", "delete_message",
            "get_queue_url", "get_queue_attributes", "change_message_visibility"},
}


# ---- symbolic values ---------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    kind: str          # "lit", "env", "param", "star"
    text: str = ""


Value = tuple[Part, ...]
STAR: Value = (Part("star"),)


def lit(text: str) -> Value:
    return (Part("lit", text),) if text else ()


def concat(*values: Value) -> Value:
    parts: list[Part] = []
    for value in values:
        for part in value:
            if parts and part.kind == "lit" and parts[-1].kind == "lit":
                parts[-1] = Part("lit", parts[-1].text + part.text)
            elif parts and part.kind == "star" and parts[-1].kind == "star":
                continue
            else:
                parts.append(part)
    return tuple(parts)


def pattern(value: Value, env: dict[str, str] | None = None) -> str | None:
    """The value as a glob ('*' for what is unknown); environment variables from `env`
    (None when one is missing)."""
    out = []
    for part in value:
        if part.kind == "lit":
            out.append(part.text)
        elif part.kind == "env":
            if env is None or part.text not in env:
                return None
            out.append(str(env[part.text]))
        else:
            out.append("*")
    return "".join(out)


def is_unknown(value: Value) -> bool:
    return not value or value[0].kind == "star"


def show(value: Value) -> str:
    return "".join(p.text if p.kind == "lit" else "${%s}" % p.text if p.kind == "env"
                   else "{%s}" % p.text if p.kind == "param" else "*" for p in value)


# ---- what the scan finds ---------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    service: str
    operation: str                     # the Python method name (boto3) or modelled name
    params: tuple[tuple[str, Value], ...]
    where: str                         # module:line
    expects_404: bool = False
    via: tuple[str, ...] = ()          # the call chain from the function's own code

    def param(self, name: str) -> Value | None:
        return dict(self.params).get(name)

    def bind(self, bindings: dict[str, Value], via: str) -> "Call":
        def sub(value: Value) -> Value:
            return concat(*[(bindings.get(p.text, STAR) if p.kind == "param" else (p,))
                            for p in value])
        return Call(self.service, self.operation, tuple((k, sub(v)) for k, v in self.params),
                    self.where, self.expects_404, (via, *self.via))

    def unbound(self) -> "Call":
        return self.bind({}, via="")._drop_empty_via()

    def _drop_empty_via(self) -> "Call":
        return Call(self.service, self.operation, self.params, self.where, self.expects_404,
                    tuple(v for v in self.via if v))


@dataclass
class Module:
    name: str                          # dotted: tuber_video.thumbnails
    path: Path
    tree: ast.Module
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    constants: dict[str, ast.expr] = field(default_factory=dict)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # alias -> (module, name)


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _load(path: Path, base: Path) -> Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = Module(_module_name(path, base), path, tree)
    package = module.name if path.name == "__init__.py" else module.name.rsplit(".", 1)[0]
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            module.functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    module.functions[f"{node.name}.{item.name}"] = item
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            module.constants[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            module.constants[node.target.id] = node.value
    for node in ast.walk(tree):  # function-level imports count for the whole module
        if isinstance(node, ast.ImportFrom):
            base_module = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base_module = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                module.imports[alias.asname or alias.name] = (base_module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module.imports[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0], None)
    return module


class Codebase:
    """Every module of the functions and of the layer, by dotted name."""

    def __init__(self, root: Path = ROOT):
        self.modules: dict[str, Module] = {}
        for base in [LAYER_DIR, *sorted((root / "functions").iterdir())]:
            if not base.is_dir():
                continue
            for path in sorted(base.glob("tuber_*/**/*.py")):
                module = _load(path, base)
                self.modules[module.name] = module
        self._summaries: dict[tuple[str, str], list[Call]] = {}
        self._in_progress: set[tuple[str, str]] = set()
        self._client_lookups: set[tuple[str, str]] = set()
        self.reached_call_sites: set[str] = set()

    # ---- resolution ----------------------------------------------------------------------
    def resolve_module(self, module: Module, alias: str) -> str | None:
        """The dotted module an alias names in `module`, if it is one we scan."""
        target = module.imports.get(alias)
        if not target:
            return None
        base, name = target
        candidate = f"{base}.{name}" if name else base
        return candidate if candidate in self.modules else None

    def resolve_function(self, module: Module, func: ast.expr) -> tuple[str, str] | None:
        """(module, function) of a call target, when it is code we scan."""
        if isinstance(func, ast.Name):
            if func.id in module.functions:
                return module.name, func.id
            target = module.imports.get(func.id)
            if target and target[1] and target[0] in self.modules:
                if target[1] in self.modules[target[0]].functions:
                    return target[0], target[1]
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = self.resolve_module(module, func.value.id)
            if owner and func.attr in self.modules[owner].functions:
                return owner, func.attr
        return None

    def imported_from(self, module: Module, node: ast.expr) -> str | None:
        """'pkg.mod.name' for a Name or mod.attr imported from outside what we scan."""
        if isinstance(node, ast.Name) and node.id in module.imports:
            base, name = module.imports[node.id]
            return f"{base}.{name}" if name else base
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = self.imported_from(module, node.value)
            if owner:
                return f"{owner}.{node.attr}"
        return None

    # ---- clients -------------------------------------------------------------------------
    def client_service(self, key: tuple[str, str], args: list[Value] | None = None) -> str | None:
        """The service of the boto3 client a function returns, if it returns one."""
        if key in self._client_lookups:  # a function that returns a call to itself
            return None
        self._client_lookups.add(key)
        try:
            module = self.modules[key[0]]
            node = module.functions[key[1]]
            for ret in ast.walk(node):
                if not isinstance(ret, ast.Return) or ret.value is None:
                    continue
                service = self._client_of_expr(module, node, ret.value, args)
                if service:
                    return service
            return None
        finally:
            self._client_lookups.discard(key)

    def _client_of_expr(self, module: Module, scope: ast.FunctionDef | None, expr: ast.expr,
                        args: list[Value] | None = None, depth: int = 0) -> str | None:
        if depth > 8:
            return None
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr == "client":
                if expr.args:
                    value = Evaluator(self, module, scope).value(expr.args[0])
                    if len(value) == 1 and value[0].kind == "param" and args is not None \
                            and scope is not None:
                        names = [a.arg for a in scope.args.args]
                        if value[0].text in names and names.index(value[0].text) < len(args):
                            value = args[names.index(value[0].text)]
                    text = pattern(value)
                    if text in SERVICES:
                        return text
                return None
            target = self.resolve_function(module, func)
            if target:
                call_args = [Evaluator(self, module, scope).value(a) for a in expr.args]
                return self.client_service(target, call_args)
        if isinstance(expr, ast.Name) and scope is not None:
            for node in ast.walk(scope):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and target.id == expr.id:
                            return self._client_of_expr(module, scope, node.value,
                                                        depth=depth + 1)
                        if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                            for t, v in zip(target.elts, node.value.elts):
                                if isinstance(t, ast.Name) and t.id == expr.id:
                                    return self._client_of_expr(module, scope, v,
                                                                depth=depth + 1)
        return None

    # ---- summaries -----------------------------------------------------------------------
    def summary(self, key: tuple[str, str]) -> list[Call]:
        """Every AWS call a function makes, itself or through the code it calls; values
        may name the function's own parameters."""
        if key in self._summaries:
            return self._summaries[key]
        if key in self._in_progress:
            return []
        self._in_progress.add(key)
        module = self.modules[key[0]]
        calls = Scanner(self, module, module.functions[key[1]]).calls()
        self._in_progress.discard(key)
        self._summaries[key] = calls
        return calls

    def module_level(self, name: str) -> list[Call]:
        module = self.modules[name]
        return Scanner(self, module, None).calls()

    def function_calls(self, package: str, not_roots: Iterable[str] = ()) -> list[Call]:
        """The AWS calls of one Lambda function's package (tuber_video...): its module-level
        code, every function no other code of the package calls (routes, the handler,
        hooks), and everything they reach. `not_roots` ("module.function"): entry points
        that are not this function's (the handlers of other functions sharing the package,
        as TranscodeFunction and TranscodePartFunction share tuber_transcode)."""
        skipped = set(not_roots)
        names = [n for n in self.modules if n == package or n.startswith(package + ".")]
        called: set[tuple[str, str]] = set()
        for name in names:
            module = self.modules[name]
            for node in ast.walk(module.tree):
                if isinstance(node, ast.Call):
                    target = self.resolve_function(module, node.func)
                    if target:
                        called.add(target)
        calls: list[Call] = []
        for name in names:
            calls += self.module_level(name)
            module = self.modules[name]
            for func_name, node in module.functions.items():
                decorated = bool(node.decorator_list) or "." in func_name
                if f"{name}.{func_name}" in skipped:
                    continue
                if decorated or (name, func_name) not in called:
                    calls += [c.unbound() for c in self.summary((name, func_name))]
        return calls

    def aws_call_sites(self) -> dict[str, str]:
        """module:line -> operation for every AWS call site in the code we scan."""
        sites = {}
        for module in self.modules.values():
            for key in list(module.functions):
                if (module.name, key) in MODELLED or (module.name, key) in MODELLED_HELPERS:
                    continue
                for call in Scanner(self, module, module.functions[key]).direct_calls():
                    sites[call.where] = f"{call.service}.{call.operation}"
        return sites


# ---- evaluation of expressions -----------------------------------------------------------

class Evaluator:
    def __init__(self, codebase: Codebase, module: Module, scope: ast.FunctionDef | None,
                 depth: int = 0):
        self.codebase = codebase
        self.module = module
        self.scope = scope
        self.depth = depth
        self.qualname = f"{module.name}.{scope.name}" if scope is not None else module.name

    def params(self) -> list[str]:
        if self.scope is None:
            return []
        args = self.scope.args
        return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]

    def _assignments(self, name: str) -> list[ast.expr | None]:
        """What `name` is assigned in this scope (None: assigned by a loop, a with, an
        except, a comprehension... whose value we do not follow)."""
        if self.scope is None:
            return [self.module.constants[name]] if name in self.module.constants else []
        found: list[ast.expr | None] = []
        for node in ast.walk(self.scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        found.append(node.value)
                    elif isinstance(target, ast.Tuple):
                        for i, t in enumerate(target.elts):
                            if isinstance(t, ast.Name) and t.id == name:
                                found.append(node.value.elts[i] if isinstance(
                                    node.value, ast.Tuple) and len(node.value.elts) == len(
                                    target.elts) else None)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(
                    node.target, ast.Name) and node.target.id == name:
                found.append(node.value if isinstance(node, ast.AnnAssign) else None)
            elif isinstance(node, (ast.For, ast.comprehension)):
                if any(isinstance(t, ast.Name) and t.id == name for t in ast.walk(node.target)):
                    found.append(None)
            elif isinstance(node, ast.NamedExpr) and node.target.id == name:
                found.append(node.value)
        return found

    def value(self, node: ast.expr) -> Value:
        if self.depth > 12:
            return STAR
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return lit(node.value)
        if isinstance(node, ast.JoinedStr):
            return concat(*[self.value(v.value) if isinstance(v, ast.FormattedValue)
                            else self.value(v) for v in node.values])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return concat(self.value(node.left), self.value(node.right))
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            declared = DECLARED.get((self.qualname, ast.unparse(node)))
            if declared:
                return declared_value(declared[0])
        if isinstance(node, ast.Attribute):
            setting = self._setting(node)
            if setting:
                return (Part("env", setting),)
            return STAR
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, (ast.BoolOp, ast.IfExp)):
            options = node.values if isinstance(node, ast.BoolOp) else [node.body, node.orelse]
            values = {self.value(v) for v in options}
            return values.pop() if len(values) == 1 else STAR
        return STAR

    def _subscript(self, node: ast.Subscript) -> Value:
        """doc["rawKey"] where doc is a dict literal of this scope."""
        if isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant):
            assigned = self._assignments(node.value.id)
            if len(assigned) == 1 and isinstance(assigned[0], ast.Dict):
                for key, item in zip(assigned[0].keys, assigned[0].values):
                    if isinstance(key, ast.Constant) and key.value == node.slice.value:
                        return self.value(item)
        return STAR

    def _name(self, name: str) -> Value:
        declared = DECLARED.get((self.qualname, name))
        if declared:
            return declared_value(declared[0])
        assigned = self._assignments(name)
        if self.scope is not None and name in self.params() and not assigned:
            return (Part("param", name),)
        if assigned:
            if any(a is None for a in assigned):
                return STAR
            values = {Evaluator(self.codebase, self.module, self.scope, self.depth + 1)
                      .value(a) for a in assigned}
            return values.pop() if len(values) == 1 else STAR
        if name in self.module.constants:
            return Evaluator(self.codebase, self.module, None, self.depth + 1).value(
                self.module.constants[name])
        target = self.module.imports.get(name)
        if target and target[1] and target[0] in self.codebase.modules:
            other = self.codebase.modules[target[0]]
            if target[1] in other.constants:
                return Evaluator(self.codebase, other, None, self.depth + 1).value(
                    other.constants[target[1]])
        return STAR

    def _is_settings(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else "")
            return name == "get_settings"
        if isinstance(node, ast.Name):
            assigned = self._assignments(node.id) if self.scope is not None else []
            return bool(assigned) and all(a is not None and self._is_settings(a)
                                          for a in assigned)
        return False

    def _setting(self, node: ast.Attribute) -> str | None:
        if self._is_settings(node.value):
            return "AWS_REGION" if node.attr == "aws_region" else node.attr.upper()
        return None

    def _call(self, node: ast.Call) -> Value:
        func = node.func
        # os.environ.get("X") / os.getenv("X")
        dotted = self.codebase.imported_from(self.module, func) or ""
        if dotted in ("os.getenv", "os.environ.get") and node.args:
            name = pattern(self.value(node.args[0]))
            return (Part("env", name),) if name and "*" not in name else STAR
        if isinstance(func, ast.Name) and func.id == "str" and node.args:
            return self.value(node.args[0])
        target = self.codebase.resolve_function(self.module, func)
        if target is None:
            return STAR
        callee_module = self.codebase.modules[target[0]]
        callee = callee_module.functions[target[1]]
        bindings = bind_arguments(callee, node, self)
        returns = [r.value for r in ast.walk(callee) if isinstance(r, ast.Return) and r.value]
        inner = Evaluator(self.codebase, callee_module, callee, self.depth + 1)
        values = set()
        for expr in returns:
            value = inner.value(expr)
            values.add(concat(*[(bindings.get(p.text, STAR) if p.kind == "param" else (p,))
                                for p in value]))
        return values.pop() if len(values) == 1 else STAR

    def values_of_list(self, node: ast.expr) -> list[Value] | None:
        """The items of a list/tuple expression (starred calls returning a list followed)."""
        if isinstance(node, (ast.List, ast.Tuple)):
            items: list[Value] = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    inner = self.values_of_list(element.value)
                    if inner is None:
                        return None
                    items += inner
                else:
                    items.append(self.value(element))
            return items
        if isinstance(node, ast.Call):
            target = self.codebase.resolve_function(self.module, node.func)
            if target:
                callee_module = self.codebase.modules[target[0]]
                callee = callee_module.functions[target[1]]
                bindings = bind_arguments(callee, node, self)
                inner = Evaluator(self.codebase, callee_module, callee, self.depth + 1)
                returns = [r.value for r in ast.walk(callee)
                           if isinstance(r, ast.Return) and r.value]
                if len(returns) == 1:
                    values = inner.values_of_list(returns[0])
                    if values is not None:
                        return [concat(*[(bindings.get(p.text, STAR) if p.kind == "param"
                                          else (p,)) for p in v]) for v in values]
        if isinstance(node, ast.Name):
            assigned = self._assignments(node.id)
            if len(assigned) == 1 and assigned[0] is not None:
                return self.values_of_list(assigned[0])
        return None


def declared_value(text: str) -> Value:
    """A DECLARED glob: '*' unknown, ${NAME} an environment variable (or custom resource
    property)."""
    import re

    value: Value = ()
    for piece in re.split(r"(\$\{[^}]+\}|\*)", text):
        if piece == "*":
            value = concat(value, STAR)
        elif piece.startswith("${"):
            value = concat(value, (Part("env", piece[2:-1]),))
        else:
            value = concat(value, lit(piece))
    return value


def bind_arguments(callee: ast.FunctionDef, call: ast.Call, evaluator: Evaluator
                   ) -> dict[str, Value]:
    """The callee's parameters bound to the call's arguments (defaults when missing)."""
    args = callee.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    bindings: dict[str, Value] = {}
    for name, arg in zip(positional, call.args):
        if not isinstance(arg, ast.Starred):
            bindings[name] = evaluator.value(arg)
    for keyword in call.keywords:
        if keyword.arg:
            bindings[keyword.arg] = evaluator.value(keyword.value)
    defaults = args.defaults
    for name, default in zip(positional[len(positional) - len(defaults):], defaults):
        if name not in bindings:
            bindings[name] = Evaluator(evaluator.codebase, evaluator.module, None).value(default) \
                if not (isinstance(default, ast.Constant) and default.value is None) else STAR
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if arg.arg not in bindings and default is not None:
            bindings[arg.arg] = STAR
    return bindings


# ---- the scan of one function body -------------------------------------------------------

@cache
def _operations() -> dict[str, set[str]]:
    """Python method name -> the services (of SERVICES) that have that operation."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    methods: dict[str, set[str]] = {}
    for service in SERVICES:
        for operation in session.get_service_model(service).operation_names:
            methods.setdefault(xform_name(operation), set()).add(service)
    for method in S3_EXTRA_METHODS:
        methods.setdefault(method, set()).add("s3")
    for method in ANY_CLIENT_METHODS:
        methods[method] = set(SERVICES)
    return methods


NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound"}
# tuber_common.storage's checks of those codes (a 404 is one of them).
NOT_FOUND_CHECKS = {"object_missing", "upload_missing"}


class Scanner:
    def __init__(self, codebase: Codebase, module: Module, scope: ast.FunctionDef | None):
        self.codebase = codebase
        self.module = module
        self.scope = scope
        self.evaluator = Evaluator(codebase, module, scope)
        self.where_name = scope.name if scope is not None else "<module>"

    def _nodes(self) -> Iterable[ast.AST]:
        if self.scope is not None:
            yield from ast.walk(self.scope)
            return
        for statement in self.module.tree.body:
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from ast.walk(statement)

    def _where(self, node: ast.AST) -> str:
        return f"{self.module.name}:{node.lineno}"

    def _expects_404(self) -> set[int]:
        """ids of the call nodes inside a try whose handler takes a not-found as normal."""
        marked: set[int] = set()
        for node in self._nodes():
            if not isinstance(node, ast.Try):
                continue
            if any(self._handles_not_found(handler) for handler in node.handlers):
                for statement in node.body:
                    marked |= {id(n) for n in ast.walk(statement) if isinstance(n, ast.Call)}
        return marked

    def _handles_not_found(self, handler: ast.ExceptHandler) -> bool:
        nodes = list(ast.walk(handler))
        for node in nodes:
            if isinstance(node, ast.Constant) and node.value in NOT_FOUND_CODES:
                return True
            if isinstance(node, ast.Attribute) and node.attr == "NoSuchKey":
                return True
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in NOT_FOUND_CHECKS:
                    return True
        return False

    def direct_calls(self) -> list[Call]:
        """The AWS calls this body makes itself."""
        not_found = self._expects_404()
        calls = []
        for node in self._nodes():
            if isinstance(node, ast.Call) and self.codebase.resolve_function(
                    self.module, node.func) is None:
                call = self._aws_call(node, id(node) in not_found)
                if call:
                    calls.append(call)
        return calls

    def calls(self) -> list[Call]:
        not_found = self._expects_404()
        calls: list[Call] = []
        for node in self._nodes():
            if not isinstance(node, ast.Call):
                continue
            target = self.codebase.resolve_function(self.module, node.func)
            if target is None:
                call = self._aws_call(node, id(node) in not_found)
                if call:
                    calls.append(call)
                    self.codebase.reached_call_sites.add(call.where)
                continue
            via = f"{target[0]}.{target[1]} ({self._where(node)})"
            callee = self.codebase.modules[target[0]].functions[target[1]]
            bindings = bind_arguments(callee, node, self.evaluator)
            if target in MODELLED:
                # Modelled from the call's own arguments, evaluated here (no binding).
                for modelled in MODELLED[target](node, self.evaluator, self._where(node),
                                                 id(node) in not_found):
                    calls.append(Call(modelled.service, modelled.operation, modelled.params,
                                      modelled.where, modelled.expects_404, (via,)))
                continue
            for inner in self.codebase.summary(target):
                bound = inner.bind(bindings, via)
                if id(node) in not_found and not bound.expects_404:
                    bound = Call(bound.service, bound.operation, bound.params, bound.where,
                                 True, bound.via)
                calls.append(bound)
        return calls

    def _aws_call(self, node: ast.Call, expects_404: bool) -> Call | None:
        func = node.func
        dotted = self.codebase.imported_from(self.module, func) or ""
        if dotted.startswith(POWERTOOLS_PARAMETERS + "."):
            return self._powertools(node, dotted.rsplit(".", 1)[1], expects_404)
        if not isinstance(func, ast.Attribute):
            return None
        method = func.attr
        if method == "paginate" and isinstance(func.value, (ast.Call, ast.Name)):
            operation_node = self._paginator_operation(func.value)
            if operation_node is None:
                return None
            service, operation = operation_node
            return Call(service, operation, self._params(operation, node), self._where(node),
                        expects_404)
        services = _operations().get(method)
        if not services:
            return None
        service = self.codebase._client_of_expr(self.module, self.scope, func.value)
        if service is None:
            if method == "generate_presigned_url" and node.args:
                # s3.generate_presigned_url("get_object", ...): the signed operation's
                # service, when only S3 has it.
                signed = pattern(self.evaluator.value(node.args[0])) or ""
                service = "s3" if signed in NAME_ALONE["s3"] | {"upload_part"} else None
            else:
                candidates = {svc for svc, names in NAME_ALONE.items() if method in names}
                service = candidates.pop() if len(candidates) == 1 else None
            if service is None:
                return None
        elif service not in services:
            return None
        if method == "get_paginator":
            return None  # its paginate() call is the one that runs
        return Call(service, method, self._params(method, node), self._where(node), expects_404)

    def _paginator_operation(self, node: ast.expr) -> tuple[str, str] | None:
        if isinstance(node, ast.Name):
            if self.scope is None:
                return None
            assigned = self.evaluator._assignments(node.id)
            if len(assigned) == 1 and assigned[0] is not None:
                return self._paginator_operation(assigned[0])
            return None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "get_paginator" and node.args:
            operation = pattern(self.evaluator.value(node.args[0]))
            services = _operations().get(operation or "", set())
            service = self.codebase._client_of_expr(self.module, self.scope, node.func.value)
            if service is None:
                candidates = {svc for svc, names in NAME_ALONE.items() if operation in names}
                service = candidates.pop() if len(candidates) == 1 else None
            return (service, operation) if service and operation else None
        return None

    def _keywords(self, node: ast.Call) -> dict[str, ast.expr]:
        keywords: dict[str, ast.expr] = {}
        for keyword in node.keywords:
            if keyword.arg:
                keywords[keyword.arg] = keyword.value
            else:  # **params: a dict built in this scope
                value = keyword.value
                if isinstance(value, ast.Name):
                    assigned = self.evaluator._assignments(value.id)
                    value = assigned[0] if len(assigned) == 1 and assigned[0] is not None \
                        else value
                if isinstance(value, ast.Dict):
                    for k, v in zip(value.keys, value.values):
                        if isinstance(k, ast.Constant) and isinstance(k.value, str):
                            keywords[k.value] = v
        return keywords

    def _params(self, method: str, node: ast.Call) -> tuple[tuple[str, Value], ...]:
        keywords = self._keywords(node)
        positional = {"download_file": ["Bucket", "Key", "Filename"],
                      "download_fileobj": ["Bucket", "Key", "Fileobj"],
                      "upload_file": ["Filename", "Bucket", "Key"],
                      "upload_fileobj": ["Fileobj", "Bucket", "Key"],
                      "generate_presigned_post": ["Bucket", "Key"],
                      "generate_presigned_url": ["ClientMethod", "Params"],
                      "copy": ["CopySource", "Bucket", "Key"]}.get(method, [])
        for name, arg in zip(positional, node.args):
            keywords.setdefault(name, arg)
        params: dict[str, Value] = {}
        if method == "generate_presigned_url":
            client_method = keywords.get("ClientMethod")
            params["ClientMethod"] = self.evaluator.value(client_method) \
                if client_method is not None else STAR
            inner = keywords.get("Params")
            if isinstance(inner, ast.Dict):
                keywords = {k.value: v for k, v in zip(inner.keys, inner.values)
                            if isinstance(k, ast.Constant)}
        for name, expr in keywords.items():
            if name in ("CopySource",) and isinstance(expr, ast.Dict):
                for k, v in zip(expr.keys, expr.values):
                    if isinstance(k, ast.Constant):
                        params[f"CopySource.{k.value}"] = self.evaluator.value(v)
            elif name in ("Bucket", "Key", "Prefix", "SecretId", "Name", "Names", "Path",
                          "DistributionId", "QueueUrl", "TopicArn", "FunctionName", "Role",
                          "KeyId", "LogGroupName", "Id"):
                params[name] = self.evaluator.value(expr)
        if "Key" not in params and method == "delete_objects":
            declared = DECLARED.get((self.evaluator.qualname, "Key"))
            params["Key"] = declared_value(declared[0]) if declared else STAR
        return tuple(sorted(params.items()))

    def _powertools(self, node: ast.Call, name: str, expects_404: bool) -> Call | None:
        operations = {"get_parameter": ("ssm", "get_parameter", "Name"),
                      "get_parameters": ("ssm", "get_parameters_by_path", "Path"),
                      "get_parameters_by_name": ("ssm", "get_parameters", "Names"),
                      "get_secret": ("secretsmanager", "get_secret_value", "SecretId")}
        if name not in operations:
            return None
        service, operation, param = operations[name]
        target = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg in ("name", "path", "parameters")), None)
        value = self.evaluator.value(target) if target is not None else STAR
        return Call(service, operation, ((param, value),), self._where(node), expects_404)


# ---- modelled layer functions ------------------------------------------------------------

def _secret_call(stage: str):
    def model(node: ast.Call, evaluator: Evaluator, where: str, expects_404: bool):
        name = pattern(evaluator.value(node.args[0])) if node.args else None
        if not name or "*" in name:
            return [Call("secretsmanager", "get_secret_value", (("SecretId", STAR),), where)]
        return [Call("secretsmanager", "get_secret_value",
                     (("SecretId", (Part("env", f"{name.upper()}_ARN"),)),
                      ("VersionStage", lit(stage))), where)]
    return model


def _delete_prefixes(node: ast.Call, evaluator: Evaluator, where: str, expects_404: bool):
    """storage.delete_prefixes(prefixes): for each prefix, ListObjectsV2 on it, then
    DeleteObjects of what it lists."""
    items = evaluator.values_of_list(node.args[0]) if node.args else None
    calls = []
    for prefix in items if items is not None else [STAR]:
        calls.append(Call("s3", "list_objects_v2", (("Prefix", prefix),), where))
        calls.append(Call("s3", "delete_objects", (("Key", concat(prefix, STAR)),), where))
    return calls


# Helpers only modelled functions call: their calls are described by the model.
MODELLED_HELPERS = {("tuber_common.storage", "_delete")}

MODELLED = {
    ("tuber_common.secret_settings", "secret"): _secret_call("AWSCURRENT"),
    ("tuber_common.secret_settings", "previous"): _secret_call("AWSPREVIOUS"),
    ("tuber_common.storage", "delete_prefixes"): _delete_prefixes,
}
