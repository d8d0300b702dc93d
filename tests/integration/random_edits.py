#!/usr/bin/env python3
"""random_edits.py - the randomised reconcile test behind converge.sh.

From a seed, apply a long sequence of random edits to a small lab (3 to 8 nodes): add and
remove nodes, move a node between a direct link and a bridge, change kinds, addresses (IPv4
and IPv6), routes, MTU, MAC, NAT rules, per-interface sysctls, files and exec: lines. An edit
that `nstopo validate` refuses is dropped and another tried. After each edit `nstopo up` runs
once; it must exit 0 and `nstopo diff` must then be clean, and the neighbours the file pings
must answer. A failure prints the seed, the step, the edit and both files, and is written to
--save DIR as STEP.a.yaml / STEP.b.yaml (a regression case for converge.sh).

The same seed gives the same edits: only random.Random(seed) decides.
"""
import argparse
import copy
import ipaddress
import json
import os
import subprocess
import sys
import time

MAX_NODES = 8
MIN_NODES = 3


class Lab:
    def __init__(self):
        self.nodes = {}   # name -> node dict
        self.links = []   # [node, iface, node, iface]
        self.next_node = 1
        self.next_net = 1

    # ---- helpers ----
    def new_net(self):
        k = self.next_net
        self.next_net += 1
        return k

    def ifaces_of(self, name):
        out = []
        for l in self.links:
            if l[0] == name:
                out.append(l[1])
            if l[2] == name:
                out.append(l[3])
        return out

    def new_ifname(self, name):
        used = set(self.ifaces_of(name))
        kind = self.nodes[name]["kind"]
        base = "p" if kind == "bridge" else "conv-h" if kind == "root" else "eth"
        i = 0
        while f"{base}{i}" in used:
            i += 1
        return f"{base}{i}"

    def peer_of(self, name, ifname):
        for l in self.links:
            if (l[0], l[1]) == (name, ifname):
                return l[2], l[3]
            if (l[2], l[3]) == (name, ifname):
                return l[0], l[1]
        return None

    def segment(self, name, ifname):
        """Every (node, iface) on the same L2 segment as name:ifname (itself excluded)."""
        peer = self.peer_of(name, ifname)
        if not peer:
            return []
        pn, pi = peer
        if self.nodes[pn]["kind"] != "bridge":
            return [peer]
        out = []
        for port in self.ifaces_of(pn):
            q = self.peer_of(pn, port)
            if q and q != (name, ifname) and self.nodes[q[0]]["kind"] != "bridge":
                out.append(q)
        return out

    def iface(self, name, ifname):
        return self.nodes[name]["ifaces"].setdefault(ifname, {"addrs": [], "mtu": None, "mac": None})

    def segment_nets(self, name, ifname):
        """The subnets already used on name:ifname's segment."""
        nets = set()
        for n, i in self.segment(name, ifname) + [(name, ifname)]:
            for a in self.nodes[n]["ifaces"].get(i, {"addrs": []})["addrs"]:
                nets.add(ipaddress.ip_interface(a).network)
        return nets

    def all_addrs(self):
        out = set()
        for n in self.nodes.values():
            for i in n["ifaces"].values():
                for a in i["addrs"]:
                    out.add(str(ipaddress.ip_interface(a).ip))
        return out

    def free_addr_in(self, net, rng):
        used = self.all_addrs()
        hosts = [1, 2, 3, 4, 5, 10, 11, 12, 20, 21, 30, 40, 50, 99]
        rng.shuffle(hosts)
        for h in hosts:
            a = net.network_address + h
            if str(a) not in used:
                return f"{a}/{net.prefixlen}"
        return None

    # ---- keeping the file valid after structural edits ----
    def tidy(self):
        if "host" in self.nodes and not self.ifaces_of("host"):
            del self.nodes["host"]
        for name, n in self.nodes.items():
            present = set(self.ifaces_of(name)) | ({"br0"} if n["kind"] == "bridge" else set())
            for ifn in list(n["ifaces"]):
                if ifn not in present:
                    del n["ifaces"][ifn]
            if n["kind"] == "bridge":
                n["ifaces"] = {k: v for k, v in n["ifaces"].items() if k == "br0"}
                n["routes"] = []
                n["nat"] = []
                n["sysctl"] = {}
                continue
            nets = []
            for i in n["ifaces"].values():
                for a in i["addrs"]:
                    nets.append(ipaddress.ip_interface(a).network)
                if i["mtu"] and i["mtu"] < 1280 and any(":" in a for a in i["addrs"]):
                    i["mtu"] = 1280
                if i["mtu"] and i["mtu"] < 1280 and any(":" in x["to"] for x in n["routes"]):
                    i["mtu"] = 1280
            own = {str(ipaddress.ip_interface(a).ip) for i in n["ifaces"].values() for a in i["addrs"]}
            keep = []
            for r in n["routes"]:
                if r.get("dev") and r["dev"] not in n["ifaces"] and r["dev"] not in present:
                    continue
                if r.get("via"):
                    v = ipaddress.ip_address(r["via"])
                    if str(v) in own or not any(v in net for net in nets):
                        continue
                keep.append(r)
            n["routes"] = keep
            n["nat"] = [x for x in n["nat"] if x.get("out", x.get("in")) in present]
            n["sysctl"] = {k: v for k, v in n["sysctl"].items() if k.split(".")[3] in present}
            for path in list(n["files"]):
                pass
            n["exec"] = [e for e in n["exec"]
                         if not (isinstance(e, list) and e[0] == "cat" and e[1] not in n["files"])]

    # ---- the file ----
    def to_yaml(self, name, tests):
        nodes = {}
        for nn, n in sorted(self.nodes.items()):
            d = {}
            if n["kind"] not in ("host", "root"):
                d["kind"] = n["kind"]
            ifs = {}
            for ifn, i in sorted(n["ifaces"].items()):
                e = {}
                if i["addrs"]:
                    e["addresses"] = list(i["addrs"])
                if i["mtu"]:
                    e["mtu"] = i["mtu"]
                if i["mac"]:
                    e["mac"] = i["mac"]
                if e:
                    ifs[ifn] = e
            if ifs:
                d["interfaces"] = ifs
            if n["routes"]:
                rs = []
                for r in n["routes"]:
                    rs.append({k: v for k, v in r.items() if v is not None})
                d["routes"] = rs
            if n["sysctl"]:
                d["sysctl"] = dict(n["sysctl"])
            if n["nat"]:
                d["nat"] = [{x["rule"]: {k: v for k, v in x.items() if k != "rule"}} for x in n["nat"]]
            if n.get("hostname"):
                d["hostname"] = n["hostname"]
            if n.get("env"):
                d["env"] = dict(n["env"])
            if n["files"]:
                d["files"] = dict(n["files"])
            if n["exec"]:
                d["exec"] = list(n["exec"])
            nodes[nn] = d
        doc = {"name": name, "nodes": nodes, "links": [[f"{l[0]}:{l[1]}", f"{l[2]}:{l[3]}"] for l in self.links]}
        if tests:
            doc["tests"] = tests
        # YAML from JSON, one node, link or test a line.
        out = ["# made by tests/integration/random_edits.py", f"name: {name}", "nodes:"]
        out += [f"  {k}: {json.dumps(v)}" for k, v in nodes.items()]
        out += ["links:"] + [f"  - {json.dumps(l)}" for l in doc["links"]]
        if tests:
            out += ["tests:"] + [f"  - {json.dumps(t)}" for t in tests]
        return "\n".join(out) + "\n"

    def subnet_once(self, name, net):
        """Whether only one interface of the node has a subnet overlapping net (else replies may
        leave by another: a /48 of one interface holds the /64s of the others)."""
        return sum(any(ipaddress.ip_interface(a).network.overlaps(net) for a in i["addrs"]
                       if ipaddress.ip_interface(a).version == net.version)
                   for i in self.nodes[name]["ifaces"].values()) == 1

    def two_feet(self, name):
        """Whether two interfaces of the node are on one bridge: it then answers ARP for each of
        its addresses on both (ARP flux), and a strict rp_filter drops what comes in by the
        other; a topology's problem, not nstopo's."""
        seen = set()
        for i in self.ifaces_of(name):
            p = self.peer_of(name, i)
            if p and self.nodes[p[0]]["kind"] == "bridge":
                if p[0] in seen:
                    return True
                seen.add(p[0])
        return False

    def pings(self, rng, limit=2):
        """Neighbours that must reach each other: two ends of one segment with IPv4 addresses in
        one subnet."""
        pairs = []
        for l in self.links:
            a, ai, b, bi = l
            if {self.nodes[a]["kind"], self.nodes[b]["kind"]} & {"bridge", "root"} or \
                    self.two_feet(a) or self.two_feet(b):
                continue
            # A source NAT rule may rewrite the ping's source to an address nobody holds.
            if any(x["rule"] == "snat" for x in self.nodes[a]["nat"] + self.nodes[b]["nat"]):
                continue
            for x in self.nodes[a]["ifaces"].get(ai, {"addrs": []})["addrs"]:
                for y in self.nodes[b]["ifaces"].get(bi, {"addrs": []})["addrs"]:
                    ix, iy = ipaddress.ip_interface(x), ipaddress.ip_interface(y)
                    if ix.version == iy.version and ix.network == iy.network and \
                            self.subnet_once(a, ix.network) and self.subnet_once(b, iy.network):
                        pairs.append({"ping": {"from": a, "to": str(iy.ip)}, "within": "5s"})
        rng.shuffle(pairs)
        return pairs[:limit] + self.route_pings(rng)

    def route_pings(self, rng, limit=2):
        """Through a default route: a node pings an address its gateway holds on another
        interface, so the route itself must be in place and leave by the right interface."""
        out = []
        for x in sorted(self.nodes):
            n = self.nodes[x]
            if n["kind"] in ("bridge", "root") or any(r["rule"] == "snat" for r in n["nat"]) or \
                    self.two_feet(x):
                continue
            defaults = sorted((r.get("metric") or 0, r["via"]) for r in n["routes"]
                              if r["to"] == "default" and r.get("via") and not r.get("dev"))
            if not defaults:
                continue
            g = ipaddress.ip_address(defaults[0][1])
            mine = [ipaddress.ip_interface(a).network for i in n["ifaces"].values() for a in i["addrs"]]
            for i in sorted(n["ifaces"]):
                nets = [ipaddress.ip_interface(a).network for a in n["ifaces"][i]["addrs"]]
                net = next((z for z in nets if g in z), None)
                if not net or not self.subnet_once(x, net):
                    continue
                for r, j in self.segment(x, i):
                    if str(g) not in [str(ipaddress.ip_interface(a).ip) for a in self.nodes[r]["ifaces"].get(j, {"addrs": []})["addrs"]]:
                        continue
                    if r == x or not self.subnet_once(r, net) or self.nodes[r]["kind"] == "root" or \
                            self.two_feet(r):
                        continue
                    for k in sorted(self.nodes[r]["ifaces"]):
                        for a in self.nodes[r]["ifaces"][k]["addrs"]:
                            ia = ipaddress.ip_interface(a)
                            if k != j and ia.version == 4 and ia.network not in mine and \
                                    not any(ia.ip in z for z in mine):
                                out.append({"ping": {"from": x, "to": str(ia.ip)}, "within": "5s",
                                            "name": f"{x} reaches {r}:{k} through its default route"})
        rng.shuffle(out)
        return out[:limit]


def regular(lab, *exclude):
    """The lab's nodes but `host` (the sandbox's own namespace: interfaces and routes only)."""
    return sorted(x for x in lab.nodes if x != "host" and lab.nodes[x]["kind"] not in exclude)


def new_node(kind):
    return {"kind": kind, "ifaces": {}, "routes": [], "nat": [], "sysctl": {}, "files": {}, "exec": []}


def rand_mac(rng):
    return "02:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(5))


# ---- edits: each returns a description, or None when it does not apply ----

def connect(lab, rng, a, b):
    """A new link a <-> b, with addresses on its non-bridge ends."""
    ai, bi = lab.new_ifname(a), None
    lab.links.append([a, ai, b, "?"])
    bi = lab.new_ifname(b)
    lab.links[-1][3] = bi
    ka, kb = lab.nodes[a]["kind"], lab.nodes[b]["kind"]
    k = lab.new_net()
    net4 = ipaddress.ip_network(f"10.{k // 200}.{k % 200}.0/24")
    net6 = ipaddress.ip_network(f"fd00:0:0:{k:x}::/64")
    v6 = rng.random() < 0.4
    for n, i, kind in ((a, ai, ka), (b, bi, kb)):
        if kind == "bridge":
            continue
        nets = [x for x in lab.segment_nets(n, i) if x.version == 4] or [net4]
        addr = lab.free_addr_in(nets[0], rng)
        if addr:
            lab.iface(n, i)["addrs"].append(addr)
        if v6:
            nets6 = [x for x in lab.segment_nets(n, i) if x.version == 6] or [net6]
            addr = lab.free_addr_in(nets6[0], rng)
            if addr:
                lab.iface(n, i)["addrs"].append(addr)
    return f"link {a}:{ai} <-> {b}:{bi}"


def e_add_node(lab, rng):
    if len(lab.nodes) >= MAX_NODES:
        return None
    name = f"n{lab.next_node}"
    lab.next_node += 1
    kind = rng.choice(["host", "host", "router", "bridge"])
    lab.nodes[name] = new_node(kind)
    others = [x for x in regular(lab) if x != name and not (kind == "bridge" and lab.nodes[x]["kind"] == "bridge")]
    if others:
        connect(lab, rng, name, rng.choice(sorted(others)))
        gws = [g for g in gateways(lab, name) if g[1] == 4]
        if kind == "host" and gws and rng.random() < 0.7:
            lab.nodes[name]["routes"].append({"to": "default", "via": rng.choice(gws)[0]})
    return f"add {kind} {name}"


def e_remove_node(lab, rng):
    if len(lab.nodes) <= MIN_NODES:
        return None
    name = rng.choice(sorted(lab.nodes))
    del lab.nodes[name]
    lab.links = [l for l in lab.links if l[0] != name and l[2] != name]
    return f"remove {name}"


def e_add_link(lab, rng):
    names = regular(lab)
    a, b = rng.choice(names), rng.choice(names)
    if a == b or (lab.nodes[a]["kind"] == "bridge" and lab.nodes[b]["kind"] == "bridge"):
        return None
    if len(lab.ifaces_of(a)) >= 4 or len(lab.ifaces_of(b)) >= 4:
        return None
    return "add " + connect(lab, rng, a, b)


def e_remove_link(lab, rng):
    if not lab.links:
        return None
    l = lab.links.pop(rng.randrange(len(lab.links)))
    return f"remove link {l[0]}:{l[1]} <-> {l[2]}:{l[3]}"


def e_move_to_bridge(lab, rng):
    """A direct link x <-> y becomes x <-> bridge <-> y; the interfaces keep their names and
    addresses (the issue's h2 case)."""
    direct = [i for i, l in enumerate(lab.links)
              if lab.nodes[l[0]]["kind"] not in ("bridge", "root") and lab.nodes[l[2]]["kind"] not in ("bridge", "root")]
    if not direct:
        return None
    l = lab.links.pop(rng.choice(direct))
    bridges = sorted(x for x in lab.nodes if lab.nodes[x]["kind"] == "bridge")
    if bridges and rng.random() < 0.5:
        br = rng.choice(bridges)
    else:
        if len(lab.nodes) >= MAX_NODES:
            lab.links.append(l)
            return None
        br = f"n{lab.next_node}"
        lab.next_node += 1
        lab.nodes[br] = new_node("bridge")
    p = lab.new_ifname(br)
    lab.links.append([l[0], l[1], br, p])
    q = lab.new_ifname(br)
    lab.links.append([l[2], l[3], br, q])
    return f"move {l[0]}:{l[1]} <-> {l[2]}:{l[3]} onto bridge {br}"


def e_move_off_bridge(lab, rng):
    """A bridge with two ports: its two neighbours get a direct link between the same ends."""
    for br in sorted(lab.nodes):
        if lab.nodes[br]["kind"] != "bridge":
            continue
        ports = [l for l in lab.links if br in (l[0], l[2])]
        if len(ports) != 2 or rng.random() < 0.5:
            continue
        ends = [(l[2], l[3]) if l[0] == br else (l[0], l[1]) for l in ports]
        if ends[0][0] == ends[1][0]:
            continue
        lab.links = [l for l in lab.links if l not in ports]
        lab.links.append([ends[0][0], ends[0][1], ends[1][0], ends[1][1]])
        return f"move {ends[0][0]}:{ends[0][1]} and {ends[1][0]}:{ends[1][1]} off bridge {br}"
    return None


def e_repeer(lab, rng):
    """One end of a link moves to another node: the interface that stays keeps its name, but is
    a new veth (deleted early, made again)."""
    if not lab.links:
        return None
    k = rng.randrange(len(lab.links))
    a, ai, b, bi = lab.links[k]
    if lab.nodes[a]["kind"] == "bridge":
        a, ai, b, bi = b, bi, a, ai
    if "host" in (a, b):
        return None
    cands = [x for x in regular(lab) if x not in (a, b) and len(lab.ifaces_of(x)) < 4 and
             not (lab.nodes[x]["kind"] == "bridge" and lab.nodes[a]["kind"] == "bridge")]
    if not cands:
        return None
    c = rng.choice(cands)
    lab.links[k] = [a, ai, c, "?"]
    ci = lab.new_ifname(c)
    lab.links[k][3] = ci
    if lab.nodes[c]["kind"] != "bridge":
        for x in list(lab.iface(a, ai)["addrs"]):
            net = ipaddress.ip_interface(x).network
            y = lab.free_addr_in(net, rng)
            if y:
                lab.iface(c, ci)["addrs"].append(y)
    return f"{a}:{ai} now linked to {c}:{ci} (was {b}:{bi})"


def e_addr_move(lab, rng):
    """An address moves to another interface of its node (routes through its subnet follow)."""
    name, i = pick_iface(lab, rng)
    if not name:
        return None
    others = [j for j in sorted(lab.ifaces_of(name)) if j != i]
    f = lab.iface(name, i)
    if not others or not f["addrs"]:
        return None
    j = rng.choice(others)
    a = f["addrs"].pop(rng.randrange(len(f["addrs"])))
    lab.iface(name, j)["addrs"].append(a)
    return f"{name}: address {a} moves from {i} to {j}"


def e_kind(lab, rng):
    name = rng.choice(regular(lab))
    n = lab.nodes[name]
    new = rng.choice([k for k in ("host", "router", "bridge") if k != n["kind"]])
    if new == "bridge" and any(lab.nodes[p[0]]["kind"] == "bridge"
                               for p in (lab.peer_of(name, i) for i in lab.ifaces_of(name)) if p):
        return None
    old = n["kind"]
    n["kind"] = new
    if new == "bridge":
        n["ifaces"] = {}
    if old == "bridge":
        n["ifaces"].pop("br0", None)
    return f"{name}: kind {old} -> {new}"


def pick_iface(lab, rng, with_addr=None, host=False):
    cands = []
    for name in sorted(lab.nodes):
        if lab.nodes[name]["kind"] == "bridge" or (name == "host" and not host):
            continue
        for i in sorted(lab.ifaces_of(name)):
            addrs = lab.nodes[name]["ifaces"].get(i, {"addrs": []})["addrs"]
            if with_addr is None or any(ipaddress.ip_interface(a).version == with_addr for a in addrs):
                cands.append((name, i))
    return rng.choice(cands) if cands else (None, None)


def e_addr(lab, rng):
    name, i = pick_iface(lab, rng, host=True)
    if not name:
        return None
    f = lab.iface(name, i)
    r = rng.random()
    if r < 0.3 and f["addrs"]:
        a = f["addrs"].pop(rng.randrange(len(f["addrs"])))
        return f"{name}:{i} address {a} removed"
    if r < 0.6 and f["addrs"]:
        k = rng.randrange(len(f["addrs"]))
        net = ipaddress.ip_interface(f["addrs"][k]).network
        a = lab.free_addr_in(net, rng)
        if not a:
            return None
        old, f["addrs"][k] = f["addrs"][k], a
        return f"{name}:{i} address {old} -> {a}"
    if r < 0.75:
        v6 = [k for k, a in enumerate(f["addrs"]) if ":" in a]
        if not v6:
            return None
        k = rng.choice(v6)
        ip = ipaddress.ip_interface(f["addrs"][k])
        plen = 64 if ip.network.prefixlen != 64 else 48
        old = f["addrs"][k]
        f["addrs"][k] = f"{ip.ip}/{plen}"
        return f"{name}:{i} address {old} -> {f['addrs'][k]}"
    fam = rng.choice([4, 6])
    nets = [x for x in lab.segment_nets(name, i) if x.version == fam]
    if nets:
        net = rng.choice(sorted(nets, key=str))
    else:
        k = lab.new_net()
        net = ipaddress.ip_network(f"10.{k // 200}.{k % 200}.0/24" if fam == 4 else f"fd00:0:0:{k:x}::/64")
    a = lab.free_addr_in(net, rng)
    if not a or a in f["addrs"]:
        return None
    f["addrs"].append(a)
    return f"{name}:{i} address {a} added"


def gateways(lab, name):
    out = []
    for i in lab.ifaces_of(name):
        own = lab.nodes[name]["ifaces"].get(i, {"addrs": []})["addrs"]
        nets = {ipaddress.ip_interface(a).network for a in own}
        for n, j in lab.segment(name, i):
            for a in lab.nodes[n]["ifaces"].get(j, {"addrs": []})["addrs"]:
                ip = ipaddress.ip_interface(a)
                if ip.network in nets:
                    out.append((str(ip.ip), ip.version, i))
    return sorted(out)


def e_route(lab, rng):
    names = sorted(x for x in lab.nodes if lab.nodes[x]["kind"] != "bridge")
    if not names:
        return None
    name = rng.choice(names)
    n = lab.nodes[name]
    r = rng.random()
    if r < 0.3 and n["routes"]:
        x = n["routes"].pop(rng.randrange(len(n["routes"])))
        return f"{name}: route {x} removed"
    if r < 0.4 and n["routes"]:
        x = rng.choice(n["routes"])
        old = x.get("metric")
        x["metric"] = rng.choice([None, 10, 20, 100])
        return f"{name}: route {x['to']} metric {old} -> {x['metric']}"
    gws = gateways(lab, name)
    if r < 0.55 and n["routes"] and gws:
        x = rng.choice(n["routes"])
        if not x.get("via"):
            return None
        v = ipaddress.ip_address(x["via"]).version
        cands = [g for g in gws if g[1] == v]
        if not cands:
            return None
        old = x["via"]
        g = rng.choice(cands)
        x["via"] = g[0]
        x.pop("dev", None)
        return f"{name}: route {x['to']} via {old} -> {g[0]}"
    if r < 0.7:
        ifs = sorted(lab.ifaces_of(name))
        if not ifs:
            return None
        dev = rng.choice(ifs)
        to = f"172.{16 + rng.randrange(8)}.{rng.randrange(256)}.0/24" if rng.random() < 0.7 else \
            f"fd99:{rng.randrange(65536):x}::/64"
        if any(x["to"] == to for x in n["routes"]):
            return None
        n["routes"].append({"to": to, "dev": dev})
        return f"{name}: route {to} dev {dev} added"
    if not gws:
        return None
    g = rng.choice(gws)
    if rng.random() < 0.5 and name != "host":
        to = "default" if g[1] == 4 else "::/0"
    else:
        to = f"192.168.{rng.randrange(256)}.0/24" if g[1] == 4 else f"fd77:{rng.randrange(65536):x}::/64"
    if any(x["to"] == to and not x.get("metric") for x in n["routes"]):
        return None
    route = {"to": to, "via": g[0]}
    if rng.random() < 0.2:
        route["dev"] = g[2]
    n["routes"].append(route)
    return f"{name}: route {route} added"


def e_mtu(lab, rng):
    name, i = pick_iface(lab, rng)
    if not name:
        return None
    f = lab.iface(name, i)
    old = f["mtu"]
    f["mtu"] = rng.choice([None, 1000, 1280, 1400, 1500, 9000])
    if f["mtu"] == 1000 and rng.random() < 0.5:
        # Below 1280 the kernel takes IPv6 off the interface: its IPv6 addresses go in the same edit.
        f["addrs"] = [a for a in f["addrs"] if ":" not in a]
    return f"{name}:{i} mtu {old} -> {f['mtu']}"


def e_mac(lab, rng):
    name, i = pick_iface(lab, rng)
    if not name:
        return None
    f = lab.iface(name, i)
    old = f["mac"]
    f["mac"] = rand_mac(rng) if rng.random() < 0.7 else None
    return f"{name}:{i} mac {old} -> {f['mac']}"


def e_nat(lab, rng):
    name, i = pick_iface(lab, rng)
    if not name:
        return None
    n = lab.nodes[name]
    if n["nat"] and rng.random() < 0.4:
        x = n["nat"].pop(rng.randrange(len(n["nat"])))
        return f"{name}: nat {x} removed"
    r = rng.random()
    if r < 0.4:
        rule = {"rule": "masquerade", "out": i}
    elif r < 0.7:
        v4 = [a for a in lab.iface(name, i)["addrs"] if ":" not in a]
        if not v4:
            return None
        rule = {"rule": "snat", "out": i, "to": str(ipaddress.ip_interface(v4[0]).ip)}
    else:
        rule = {"rule": "dnat", "in": i, "proto": rng.choice(["tcp", "udp"]),
                "port": rng.randrange(1000, 2000), "to": f"10.250.0.{rng.randrange(1, 250)}:80"}
    if rule in n["nat"]:
        return None
    n["nat"].append(rule)
    return f"{name}: nat {rule} added"


def e_sysctl(lab, rng):
    name, i = pick_iface(lab, rng)
    if not name:
        return None
    n = lab.nodes[name]
    key = f"net.ipv4.conf.{i}." + rng.choice(["rp_filter", "arp_ignore"])
    if key in n["sysctl"] and rng.random() < 0.4:
        del n["sysctl"][key]
        return f"{name}: sysctl {key} removed"
    n["sysctl"][key] = str(rng.choice([0, 1, 2]))
    return f"{name}: sysctl {key} = {n['sysctl'][key]}"


def e_host_link(lab, rng):
    """A link to the sandbox's own namespace (`host`), its end addressed, and sometimes a host
    route into the lab through it."""
    names = regular(lab, "bridge")
    if not names or ("host" in lab.nodes and len(lab.ifaces_of("host")) >= 2):
        return None
    lab.nodes.setdefault("host", new_node("root"))
    a = rng.choice(names)
    d = connect(lab, rng, a, "host")
    if rng.random() < 0.5:
        gws = [g for g in gateways(lab, "host") if g[1] == 4]
        if gws:
            to = f"10.{100 + rng.randrange(50)}.0.0/16"
            if not any(r["to"] == to for r in lab.nodes["host"]["routes"]):
                lab.nodes["host"]["routes"].append({"to": to, "via": rng.choice(gws)[0]})
    return "add " + d


def e_bridge_addr(lab, rng):
    """An address on a bridge node's own br0, in the subnet of one of its ports' neighbours."""
    bridges = regular(lab, "host", "router", "root")
    bridges = [b for b in bridges if lab.nodes[b]["kind"] == "bridge"]
    if not bridges:
        return None
    br = rng.choice(bridges)
    f = lab.iface(br, "br0")
    if f["addrs"] and rng.random() < 0.4:
        a = f["addrs"].pop()
        return f"{br}:br0 address {a} removed"
    nets = set()
    for port in lab.ifaces_of(br):
        q = lab.peer_of(br, port)
        if q:
            nets |= {x for x in lab.segment_nets(q[0], q[1]) if x.version == 4}
    if not nets:
        return None
    a = lab.free_addr_in(rng.choice(sorted(nets, key=str)), rng)
    if not a:
        return None
    f["addrs"].append(a)
    return f"{br}:br0 address {a} added"


def e_hostname(lab, rng):
    name = rng.choice(regular(lab))
    n = lab.nodes[name]
    old = n.get("hostname")
    n["hostname"] = rng.choice([None, f"h-{rng.randrange(100)}", f"{name}.lab"])
    return f"{name}: hostname {old} -> {n['hostname']}"


def e_env(lab, rng):
    name = rng.choice(regular(lab))
    n = lab.nodes[name]
    env = n.setdefault("env", {})
    if env and rng.random() < 0.4:
        k = rng.choice(sorted(env))
        del env[k]
        return f"{name}: env {k} removed"
    k = rng.choice(["A", "B"])
    env[k] = str(rng.randrange(100))
    return f"{name}: env {k}={env[k]}"


FILES = ["/tmp/conv.txt", "/etc/nstopo-conv.conf", "/run/conv/x.conf"]


def e_file(lab, rng):
    name = rng.choice(regular(lab))
    n = lab.nodes[name]
    path = rng.choice(FILES)
    if path in n["files"] and rng.random() < 0.3:
        del n["files"][path]
        n["exec"] = [e for e in n["exec"] if not (isinstance(e, list) and e[1] == path)]
        return f"{name}: file {path} removed"
    n["files"][path] = f"edit {rng.randrange(10**6)}\n"
    return f"{name}: file {path} = {n['files'][path]!r}"


def e_exec(lab, rng):
    name = rng.choice(regular(lab))
    n = lab.nodes[name]
    if n["exec"] and rng.random() < 0.35:
        x = n["exec"].pop(rng.randrange(len(n["exec"])))
        return f"{name}: exec {x} removed"
    r = rng.random()
    if r < 0.4:
        x = "true"
    elif r < 0.7:
        x = {"cmd": ["sleep", str(1000 + rng.randrange(1000))], "background": True}
    else:
        if not n["files"]:
            return None
        x = ["cat", rng.choice(sorted(n["files"]))]
    if len(n["exec"]) >= 3:
        return None
    n["exec"].append(x)
    return f"{name}: exec {x} added"


EDITS = [(e_add_node, 6), (e_remove_node, 3), (e_add_link, 9), (e_remove_link, 3), (e_repeer, 4),
         (e_addr_move, 3),
         (e_move_to_bridge, 6), (e_move_off_bridge, 4), (e_kind, 4), (e_addr, 10),
         (e_route, 14), (e_mtu, 4), (e_mac, 4), (e_nat, 4), (e_sysctl, 3), (e_file, 4),
         (e_exec, 4), (e_host_link, 2), (e_hostname, 2), (e_env, 2), (e_bridge_addr, 2)]


def pick_edit(rng):
    total = sum(w for _, w in EDITS)
    x = rng.randrange(total)
    for f, w in EDITS:
        if x < w:
            return f
        x -= w
    return EDITS[-1][0]


def initial(rng):
    lab = Lab()
    for _ in range(rng.randrange(MIN_NODES, 6)):
        e_add_node(lab, rng)
    lab.tidy()
    return lab


def table_fulls():
    """How often the kernel's neighbour tables (one for all namespaces of the machine) were full:
    other labs on the machine can fill them, and then no ping of ours gets an answer. The
    counters (/proc/net/stat/arp_cache) exist only in the machine's own namespace; in the
    sandbox the kernel's log says it ("neighbor table overflow", rate-limited)."""
    total = 0
    for name in ("arp_cache", "ndisc_cache"):
        try:
            with open(f"/proc/net/stat/{name}") as f:
                head = f.readline().split()
                col = head.index("table_fulls")
                total += sum(int(line.split()[col], 16) for line in f if line.strip())
        except (OSError, ValueError):
            pass
    if total:
        return total
    rc, out = run(["dmesg"], timeout=10)
    return out.count("table overflow") if rc == 0 else 0


def diagnose(nstopo, lab, report):
    """For each failed ping: both nodes' links, addresses, neighbours and the route taken."""
    import re
    out = ""
    found = re.findall(r"^not ok \d+ - ping (\S+) -> (\S+)", report, re.M)
    found += re.findall(r"^not ok \d+ - (\S+) reaches \S+ through its default route\n# expected an echo "
                        r"reply from (\S+) ", report, re.M)
    for src, dst in found:
        holder = next((n for n, d in lab.nodes.items() for i in d["ifaces"].values()
                       for a in i["addrs"] if str(ipaddress.ip_interface(a).ip) == dst), None)
        for node, cmd in ((src, ["ip", "route", "get", dst]), (src, ["ip", "-br", "addr"]),
                          (src, ["ip", "neigh"]), (src, ["ip", "-s", "-br", "link"]),
                          (holder, ["ip", "-br", "addr"]), (holder, ["ip", "neigh"]),
                          (holder, ["ip", "-s", "-br", "link"]), (holder, ["sysctl", "-a", "-r", "arp_ignore|rp_filter|arp_filter"])):
            if node and node != "host":
                out += f"# {node}: {' '.join(cmd)}\n" + run([nstopo, "exec", node] + cmd)[1]
    return out


def run(cmd, timeout=120):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        return 124, f"timed out after {timeout}s: {e.output or ''}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--nstopo", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--lab", default="conv")
    ap.add_argument("--tests", action="store_true", help="ping neighbours after each up")
    ap.add_argument("--save", help="write each failing step's two files here")
    ap.add_argument("--stop", action="store_true", help="stop at the first failure")
    ap.add_argument("--verbose", action="store_true", help="print every edit and what up did")
    args = ap.parse_args()

    import random
    rng = random.Random(args.seed)
    lab = initial(rng)
    path = os.path.join(args.work, f"{args.lab}.yaml")
    prev = None
    failures = overflows = retried = 0
    tried = refused = 0
    t0 = time.time()
    step = 0
    desc = "initial lab"
    while step < args.steps:
        tests = lab.pings(rng) if args.tests else []
        text = lab.to_yaml(args.lab, tests)
        with open(path, "w") as f:
            f.write(text)
        rc, out = run([args.nstopo, "validate", path])
        tried += 1
        if rc != 0:
            refused += 1
            if prev is None:
                print(f"# seed {args.seed}: the initial lab is invalid:\n{out}{text}")
                return 2
            lab = copy.deepcopy(prev[0])
        else:
            rc_up, out_up = run([args.nstopo, "up", path])
            rc_diff, out_diff = run([args.nstopo, "diff", path])
            bad = None
            if rc_up != 0:
                bad = f"up exited {rc_up}:\n{out_up}"
            elif rc_diff != 0:
                bad = f"diff after one up exited {rc_diff}:\n{out_diff}"
            elif tests:
                fulls = table_fulls()
                rc_t, out_t = run([args.nstopo, "test", path])
                if rc_t != 0 and table_fulls() != fulls:
                    overflows += 1
                    print(f"# seed {args.seed} step {step}: a ping failed while the machine's neighbour "
                          f"table was full (other labs): not counted")
                elif rc_t != 0:
                    # Once more: a ping lost to a busy machine passes now; a lab that is wrong
                    # (a missing route, a neighbour with a stale MAC) fails again.
                    diag = diagnose(args.nstopo, lab, out_t)
                    rc_t2, out_t2 = run([args.nstopo, "test", path])
                    if rc_t2 == 0:
                        retried += 1
                        print(f"# seed {args.seed} step {step}: a ping failed, then passed on a second run:\n"
                              + out_t.strip() + "\n" + diag.strip())
                    else:
                        bad = f"test exited {rc_t}, and {rc_t2} when run again:\n{out_t2}" + diag
            if args.verbose:
                print(f"# step {step}: {desc}: {out_up.strip()}")
            if bad:
                failures += 1
                print(f"not ok - seed {args.seed} step {step}: {desc}: {bad.rstrip()}")
                print(f"# up said: {out_up.strip()}")
                if prev is not None:
                    print("# the file before:\n" + prev[1])
                print("# the file after:\n" + text)
                if args.save and prev is not None:
                    os.makedirs(args.save, exist_ok=True)
                    base = os.path.join(args.save, f"seed{args.seed}-step{step}")
                    with open(base + ".a.yaml", "w") as f:
                        f.write(prev[1])
                    with open(base + ".b.yaml", "w") as f:
                        f.write(text)
                if args.stop:
                    break
                # Back to a known state: a second up, else start the lab again.
                run([args.nstopo, "up", path])
                if run([args.nstopo, "diff", path])[0] != 0:
                    run([args.nstopo, "down", "--lab", args.lab])
                    run([args.nstopo, "up", path])
            step += 1
            prev = (copy.deepcopy(lab), text)
        # The next edit.
        for _ in range(50):
            edit = pick_edit(rng)
            desc = edit(lab, rng)
            if desc:
                lab.tidy()
                break
            lab = copy.deepcopy(prev[0])
    run([args.nstopo, "down", "--lab", args.lab])
    print(f"# seed {args.seed}: {step} edits applied, {refused} of {tried} files refused by validate, "
          f"{failures} did not converge in one up, {time.time() - t0:.1f}s"
          + (f" ({overflows} pings not counted: neighbour table full)" if overflows else "")
          + (f" ({retried} tests passed only when run again)" if retried else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
