#!/usr/bin/python3
"""docs/topology.schema.json against the corpus (tests/topo) and labs/.

Every good file and every lab must validate; every bad file must be
refused, by the schema or (for YAML errors) by the YAML parser, except the
ones listed in BEYOND: problems a schema cannot express, which nsbpf alone
finds. Those must still pass the schema, so that the list stays true.

The files are read as an editor's YAML 1.2 language server reads them:
true/false are the only booleans, no merge keys. Run with Debian's
python3 (python3-jsonschema, python3-yaml); exits 77 without them.
"""
import glob
import json
import os
import re
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:
    print(f"schema: {e}: skipped (apt-get install python3-jsonschema python3-yaml)")
    sys.exit(77)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# Refused by nsbpf for what a schema cannot say: two values compared, a
# derived name, the host's ranges, what YAML itself leaves out.
BEYOND = {
    "cidr-host-bits.yaml": "host bits of a subnet against its prefix",
    "derived-name-too-long.yaml": "lab name + node name together",
    "dup-address.yaml": "two nodes' addresses compared",
    "dup-key.yaml": "duplicate keys: a YAML loader keeps the last",
    "dup-network.yaml": "duplicate keys: a YAML loader keeps the last",
    "dup-node.yaml": "duplicate keys: a YAML loader keeps the last",
    "forward-in-default-snat-range.yaml": "a port against the masquerade range",
    "forward-in-snat-range.yaml": "a port against the masquerade range",
    "forward-overlap-chain.yaml": "forwards compared",
    "forward-overlap.yaml": "forwards compared",
    "forward-ports-limit.yaml": "the ports of all forwards added up",
    "gateway-network-broadcast.yaml": "a gateway against its subnet",
    "gateway-outside.yaml": "a gateway against its subnet",
    "many-errors.yaml": "addresses against subnets, references, overlaps",
    "node-ip-outside.yaml": "an address against its subnet",
    "node-ip-special.yaml": "an address against its subnet and gateway",
    "overlap-subnets.yaml": "subnets compared",
    "range-length.yaml": "two ranges' lengths compared",
    "route-overlap.yaml": "routed prefixes against subnets and each other",
    "route-via.yaml": "a reference to a node, its network and forwarding",
    "second-document.yaml": "a second document: the schema sees the first",
    "subnet-full.yaml": "addresses left in a subnet",
    "unknown-forward-node.yaml": "a reference to a node",
    "unknown-network-ref.yaml": "a reference to a network",
    "unknown-reach.yaml": "a reference to a network",
    "v6-full.yaml": "addresses left in a subnet6",
    "v6-uplink6-linklocal.yaml": "uplink6 in a special block",
    "v6-legs.yaml": "further legs' ip6 against their subnet6s and each other",
    "v6-links-routes.yaml": "link subnet6s compared, IPv6 routes against the node's subnet6s",
    "v6-only.yaml": "IPv4 keys of an IPv6-only network (gateway, routes, remote, ip, forwards)",
    "v6-overlap.yaml": "subnet6s compared",
    "v6-subnet6-special.yaml": "subnet6 against the special blocks",
}

# Refused by the YAML parser before any schema sees them.
YAML_ERRORS = {
    "syntax-error.yaml", "syntax-unclosed-flow.yaml", "syntax-undefined-alias.yaml",
    "type-key-not-scalar.yaml",
}


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 core schema scalars, "<<" an ordinary key, keys as written.

    JSON keys are strings: a key is its text as written (nodes: {1: ...}
    names node "1"), as nsbpf reads it and an editor shows it.
    """

    def construct_mapping(self, node, deep=False):
        for k, _ in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "keys must be scalars", k.start_mark)
        return {k.value: self.construct_object(v, deep) for k, v in node.value}

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", Yaml12Loader.construct_yaml_int)


Yaml12Loader.yaml_implicit_resolvers = {}
for tag, regexp, first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
     "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    Yaml12Loader.add_implicit_resolver(tag, re.compile(regexp), list(first))


def load(path):
    with open(path, encoding="utf-8") as f:
        docs = list(yaml.load_all(f, Loader=Yaml12Loader))
    return docs[0] if docs else None


def main():
    with open(os.path.join(ROOT, "docs", "topology.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    v = jsonschema.Draft7Validator(schema)
    passed = failed = 0

    def verdict(ok, what):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(("ok: " if ok else "FAIL: ") + what)

    good = sorted(glob.glob(os.path.join(ROOT, "tests/topo/good/*.yaml")) +
                  glob.glob(os.path.join(ROOT, "labs/*.yaml")))
    for path in good:
        errs = list(v.iter_errors(load(path)))
        verdict(not errs, f"{os.path.relpath(path, ROOT)} accepted" +
                "".join(f"\n  {list(e.absolute_path)}: {e.message}" for e in errs))
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/topo/bad/*.yaml"))):
        name = os.path.basename(path)
        try:
            doc = load(path)
        except yaml.YAMLError as e:
            verdict(name in YAML_ERRORS, f"{name} refused by YAML ({str(e).splitlines()[0]})")
            continue
        if name in YAML_ERRORS:
            verdict(False, f"{name} loads: take it off YAML_ERRORS")
            continue
        errs = list(v.iter_errors(doc))
        if name in BEYOND:
            verdict(not errs, f"{name} passes the schema: {BEYOND[name]}" +
                    (f" (but the schema now refuses it: {errs[0].message}; "
                     "take it off BEYOND)" if errs else ""))
        else:
            verdict(bool(errs), f"{name} refused" +
                    (f": {list(errs[0].absolute_path)}: {errs[0].message[:100]}" if errs
                     else " -- NOT refused by the schema"))
    print(f"schema: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
