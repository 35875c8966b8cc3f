#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""cni_shape.py KIND VERSION < OUTPUT: OUTPUT is one JSON document shaped as
the CNI spec's KIND ("result" of ADD, "error", "version") for cniVersion
VERSION: the keys it must have, no other, each of its type and form. Exit
0, or 1 with what is wrong on stderr."""
import ipaddress
import json
import re
import sys

MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def fail(msg):
    sys.exit("cni_shape: " + msg)


def keys(obj, where, required, optional=()):
    if not isinstance(obj, dict):
        fail("%s: not an object" % where)
    for k in required:
        if k not in obj:
            fail("%s: no \"%s\"" % (where, k))
    for k in obj:
        if k not in required and k not in optional:
            fail("%s: \"%s\" is no key of the spec's" % (where, k))


def result(doc, version):
    keys(doc, "result", ["cniVersion", "interfaces", "ips"], ["routes", "dns"])
    ifs = doc["interfaces"]
    for i, f in enumerate(ifs):
        keys(f, "interfaces[%d]" % i, ["name"], ["mac", "sandbox", "mtu", "socketPath", "pciID"])
        if "mac" in f and not MAC.match(f["mac"]):
            fail("interfaces[%d].mac %r" % (i, f["mac"]))
    if not any("sandbox" in f and f["sandbox"].startswith("/") for f in ifs):
        fail("no interface in a sandbox (a netns path)")
    old = version.split(".")[0] == "0"
    for i, ip in enumerate(doc["ips"]):
        keys(ip, "ips[%d]" % i, ["address"] + (["version"] if old else []),
             ["gateway", "interface"])
        ipaddress.ip_interface(ip["address"])
        if "gateway" in ip:
            ipaddress.ip_address(ip["gateway"])
        if not isinstance(ip.get("interface", 0), int) or not 0 <= ip.get("interface", 0) < len(ifs):
            fail("ips[%d].interface %r: no index into interfaces" % (i, ip.get("interface")))
        if "sandbox" not in ifs[ip.get("interface", 0)]:
            fail("ips[%d] is on a host interface" % i)
    for i, r in enumerate(doc.get("routes", [])):
        keys(r, "routes[%d]" % i, ["dst"], ["gw", "mtu", "advmss", "priority", "table", "scope"])
        ipaddress.ip_network(r["dst"])
    keys(doc.get("dns", {}), "dns", [], ["nameservers", "domain", "search", "options"])


def error(doc, version):
    keys(doc, "error", ["cniVersion", "code", "msg"], ["details"])
    if not isinstance(doc["code"], int) or not (0 < doc["code"] < 100 or doc["code"] == 999):
        fail("code %r: a well-known code or 999" % doc["code"])
    if not isinstance(doc["msg"], str) or not doc["msg"]:
        fail("msg must be a string")


def version_doc(doc, version):
    keys(doc, "version", ["cniVersion", "supportedVersions"])
    if not all(isinstance(v, str) for v in doc["supportedVersions"]):
        fail("supportedVersions must be strings")
    if "1.0.0" not in doc["supportedVersions"]:
        fail("1.0.0 is not among supportedVersions")


def main():
    kind, version = sys.argv[1], sys.argv[2]
    try:
        doc = json.load(sys.stdin)
    except ValueError as e:
        fail("not one JSON document: %s" % e)
    if doc.get("cniVersion") != version:
        fail("cniVersion %r, the request's is %r" % (doc.get("cniVersion"), version))
    {"result": result, "error": error, "version": version_doc}[kind](doc, version)


main()
