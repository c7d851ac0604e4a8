"""The function as the template declares it, and its environment resolved against local resources.

CloudFormation resolves `!Ref`, `!GetAtt` and `!Sub` at deploy time; here the same intrinsics resolve to the
local stack's resources (moto's table, secret and queues) and to the parameters' defaults, with overrides
(e.g. TikTokApiBaseUrl -> the TikTok emulator). Anything the resolver does not know fails loudly instead of
reaching the function as a half-resolved value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from local_stack.template import function_environment, function_property, resource

FUNCTION_ID: Final = "ApproveCancellationFunction"
"""The function `make run` invokes with the sample events."""
ROTATION_FUNCTION_ID: Final = "RotateCredentialsFunction"
"""The rotation function: the local stack runs it in a runtime of its own, for Secrets Manager's steps."""
WEBHOOK_FUNCTION_ID: Final = "TikTokWebhookFunction"
"""TikTok's webhooks in: the local stack runs it behind its API front (local_stack/api_front.py)."""
DECIDER_FUNCTION_ID: Final = "DecideCancellationFunction"
"""The autopilot's decider: WebhookQueue's notices, through the SQS poller driver."""
SWEEPER_FUNCTION_ID: Final = "SweepCancellationsFunction"
"""The autopilot's sweeper: EventBridge Scheduler's runs in AWS; locally, whoever wants a sweep invokes it."""

ACCOUNT_ID: Final = "123456789012"
"""moto's default account."""
REGION: Final = "us-east-1"
STACK_NAME: Final = "local"

_SUB_VARIABLE: Final = re.compile(r"\$\{([^}!][^}]*)\}")


class TemplateError(ValueError):
    """The template holds something the local stack cannot reproduce."""


@dataclass(frozen=True)
class PhysicalResource:
    """What `!Ref` and `!GetAtt` give for one resource of the local stack."""

    ref: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FunctionSpec:
    """The parts of an AWS::Serverless::Function the local runtime needs."""

    logical_id: str
    handler: str
    code_uri: str
    runtime: str
    architectures: tuple[str, ...]
    timeout: int
    memory_size: int
    layer_ids: tuple[str, ...]
    """The template's own layers (`!Ref SomeLayer`); external layer ARNs (Powertools) are not among them."""
    external_layers: tuple[Any, ...]
    environment: Mapping[str, Any]
    """Globals merged with the function's own variables, unresolved."""

    @property
    def python_minor(self) -> str:
        """ "3.13" for python3.13."""
        if not self.runtime.startswith("python"):
            raise TemplateError(f"{self.logical_id}: runtime {self.runtime} is not a Python runtime")
        return self.runtime.removeprefix("python")


def function_spec(template: dict[str, Any], logical_id: str = FUNCTION_ID) -> FunctionSpec:
    declared = resource(logical_id, template)
    if declared.get("Type") != "AWS::Serverless::Function":
        raise TemplateError(f"{logical_id} is not an AWS::Serverless::Function")
    layers = function_property(logical_id, "Layers", template) if _has(template, logical_id, "Layers") else []
    own_layers = tuple(layer["Ref"] for layer in layers if isinstance(layer, dict) and set(layer) == {"Ref"})
    external = tuple(layer for layer in layers if not (isinstance(layer, dict) and set(layer) == {"Ref"}))
    return FunctionSpec(
        logical_id=logical_id,
        handler=str(function_property(logical_id, "Handler", template)),
        code_uri=str(function_property(logical_id, "CodeUri", template)),
        runtime=str(function_property(logical_id, "Runtime", template)),
        architectures=tuple(function_property(logical_id, "Architectures", template)),
        timeout=int(function_property(logical_id, "Timeout", template)),
        memory_size=int(function_property(logical_id, "MemorySize", template)),
        layer_ids=own_layers,
        external_layers=external,
        environment=function_environment(logical_id, template),
    )


def layer_content_uri(template: dict[str, Any], layer_id: str) -> str:
    declared = resource(layer_id, template)
    if declared.get("Type") != "AWS::Serverless::LayerVersion":
        raise TemplateError(f"{layer_id} is not an AWS::Serverless::LayerVersion")
    return str(declared["Properties"]["ContentUri"])


def _has(template: dict[str, Any], logical_id: str, name: str) -> bool:
    in_function = name in resource(logical_id, template).get("Properties", {})
    return in_function or name in template.get("Globals", {}).get("Function", {})


class Resolver:
    """Resolves the intrinsics a function's environment uses, against local physical resources."""

    def __init__(
        self,
        template: dict[str, Any],
        resources: Mapping[str, PhysicalResource],
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self._parameters: dict[str, Any] = template.get("Parameters", {})
        self._resources = resources
        self._overrides = dict(parameter_overrides or {})
        unknown = set(self._overrides) - set(self._parameters)
        if unknown:
            raise TemplateError(f"parameter overrides for undeclared parameters: {sorted(unknown)}")
        self._pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": STACK_NAME,
        }

    def resolve(self, value: Any) -> str:
        """A scalar value as the function's environment would see it (environment values are strings)."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        if isinstance(value, dict) and len(value) == 1:
            [(name, argument)] = value.items()
            if name == "Ref":
                return self.ref(str(argument))
            if name == "Fn::GetAtt":
                resource_id, attribute = argument
                return self.get_att(str(resource_id), str(attribute))
            if name == "Fn::Sub" and isinstance(argument, str):
                return self.sub(argument)
        raise TemplateError(f"cannot resolve {value!r} locally")

    def ref(self, name: str) -> str:
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            if name in self._overrides:
                return self._overrides[name]
            if "Default" not in self._parameters[name]:
                raise TemplateError(f"parameter {name} has no default; give it a local value")
            return self.resolve(self._parameters[name]["Default"])
        if name in self._resources:
            return self._resources[name].ref
        raise TemplateError(f"!Ref {name}: not a parameter, nor a resource the local stack creates")

    def get_att(self, resource_id: str, attribute: str) -> str:
        physical = self._resources.get(resource_id)
        if physical is None or attribute not in physical.attributes:
            raise TemplateError(f"!GetAtt {resource_id}.{attribute}: not available locally")
        return physical.attributes[attribute]

    def sub(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if "." in name and not name.startswith("AWS::"):
                resource_id, attribute = name.split(".", 1)
                return self.get_att(resource_id, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, text)


def resolve_environment(spec: FunctionSpec, resolver: Resolver) -> dict[str, str]:
    """The function's declared environment, every value resolved to a string."""
    return {name: resolver.resolve(value) for name, value in spec.environment.items()}
