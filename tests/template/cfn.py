"""Reading the CloudFormation / SAM templates the way CloudFormation does for the parts the tests need:
short-form intrinsic tags, parameter defaults, Conditions, and Fn::If / AWS::NoValue under a given set
of parameter values. Other intrinsics (Ref to resources, Fn::Sub, Fn::GetAtt) are kept as written, so
tests compare them structurally (e.g. {"Fn::GetAtt": ["FailedEvents", "Arn"]})."""

import re
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
NO_VALUE = object()


class _Loader(yaml.SafeLoader):
    pass


def _intrinsic(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _intrinsic)


def load(name):
    return yaml.load((ROOT / name).read_text(), Loader=_Loader)


class Template:
    """A template with parameter values: defaults, overridden by `params`."""

    def __init__(self, name, **params):
        self.name = name
        self.raw = load(name)
        self.params = {k: str(v.get("Default", "")) for k, v in self.raw.get("Parameters", {}).items()}
        unknown = set(params) - set(self.params)
        if unknown:
            raise KeyError(f"{name} has no parameters {sorted(unknown)}")
        self.params.update({k: str(v) for k, v in params.items()})
        # Pseudo parameters the conditions read (a stack in us-east-1 holds the global services' rules).
        self.params.setdefault("AWS::Region", "us-east-1")
        self._conditions = {}

    # ---- conditions ---------------------------------------------------------------------------
    def condition(self, name):
        if name not in self._conditions:
            self._conditions[name] = self._eval(self.raw["Conditions"][name])
        return self._conditions[name]

    def _value(self, node):
        if isinstance(node, dict) and "Ref" in node:
            ref = node["Ref"]
            if ref in self.params:
                return self.params[ref]
            raise ValueError(f"condition refers to {ref}, which is not a parameter")
        if isinstance(node, dict) and "Condition" in node:
            return self.condition(node["Condition"])
        if isinstance(node, dict):
            return self._eval(node)
        return str(node)

    def _eval(self, node):
        (fn, args), = node.items()
        if fn == "Fn::Equals":
            return self._value(args[0]) == self._value(args[1])
        if fn == "Fn::Not":
            return not self._value(args[0])
        if fn == "Fn::And":
            return all(self._value(a) for a in args)
        if fn == "Fn::Or":
            return any(self._value(a) for a in args)
        if fn == "Condition":
            return self.condition(args)
        raise ValueError(f"unsupported condition function {fn}")

    # ---- values -------------------------------------------------------------------------------
    def resolve(self, node):
        """Picks the Fn::If branches and drops AWS::NoValue, recursively."""
        if isinstance(node, dict):
            if set(node) == {"Fn::If"}:
                cond, yes, no = node["Fn::If"]
                return self.resolve(yes if self.condition(cond) else no)
            if node == {"Ref": "AWS::NoValue"}:
                return NO_VALUE
            if set(node) == {"Ref"} and node["Ref"] in self.params:
                return self.params[node["Ref"]]
            out = {}
            for k, v in node.items():
                v = self.resolve(v)
                if v is not NO_VALUE:
                    out[k] = v
            return out
        if isinstance(node, list):
            return [v for v in (self.resolve(v) for v in node) if v is not NO_VALUE]
        return node

    def resources(self, type_=None):
        """Resources that exist under these parameter values, resolved."""
        out = {}
        for name, res in self.raw["Resources"].items():
            if "Condition" in res and not self.condition(res["Condition"]):
                continue
            if type_ is None or res["Type"] == type_:
                out[name] = self.resolve(res)
        return out

    def functions(self):
        """{function (binary) name: (logical id, resolved resource)} of the SAM functions."""
        return {
            res["Properties"]["CodeUri"].rstrip("/").rsplit("/", 1)[1]: (logical, res)
            for logical, res in self.resources("AWS::Serverless::Function").items()
        }


def statements(policy_document):
    s = policy_document.get("Statement", [])
    return s if isinstance(s, list) else [s]


def as_list(value):
    return value if isinstance(value, list) else [value]


def wirings():
    """Every control's declaration, as tools/generate.py last wrote it (make test checks it is fresh)."""
    import json

    return {w["name"]: w for w in json.loads((ROOT / "tests/template/wiring.json").read_text())}


def camel(name):
    return "".join(part[:1].upper() + part[1:].lower() for part in re.split(r"[-_]", name) if part)
