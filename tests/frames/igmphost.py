#!/usr/bin/env python3
"""Drive the kernel's IGMP host side (and send queries) for capture.sh.

Usage: igmphost.py IFADDR STEP...

Each STEP is NAME:OP[:ARGS], run in order; NAME names a socket, created on
first use, so that several sockets can hold different filters on one group:

  s:join:G            IP_ADD_MEMBERSHIP (any-source)
  s:leave:G           IP_DROP_MEMBERSHIP
  s:sjoin:G:S         IP_ADD_SOURCE_MEMBERSHIP
  s:sdrop:G:S         IP_DROP_SOURCE_MEMBERSHIP
  s:block:G:S         IP_BLOCK_SOURCE
  s:unblock:G:S       IP_UNBLOCK_SOURCE
  s:msfilter:G:MODE:S,S,...   IP_MSFILTER, MODE include|exclude
  s:close             close the socket
  -:sleep:SECONDS
  -:query:VER[:MAXRESP_DS]    send a general query to 224.0.0.1 (raw socket)
"""
import socket
import struct
import sys
import time

IP_MSFILTER = 41
IP_UNBLOCK_SOURCE = 37
IP_BLOCK_SOURCE = 38
IP_ADD_SOURCE_MEMBERSHIP = 39
IP_DROP_SOURCE_MEMBERSHIP = 40
IP_ADD_MEMBERSHIP = 35
IP_DROP_MEMBERSHIP = 36
IP_OPTIONS = 4
IP_MULTICAST_IF = 32
IP_MULTICAST_TTL = 33

ifaddr = sys.argv[1]
socks = {}


def a(s):
    return socket.inet_aton(s)


def sock(name):
    if name not in socks:
        socks[name] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    return socks[name]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def query(ver, maxresp):
    if ver == 1:
        body = struct.pack("!BBH4s", 0x11, 0, 0, a("0.0.0.0"))
    elif ver == 2:
        body = struct.pack("!BBH4s", 0x11, maxresp, 0, a("0.0.0.0"))
    else:
        body = struct.pack("!BBH4sBBH", 0x11, maxresp, 0, a("0.0.0.0"),
                           2, 125, 0)
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    r.setsockopt(socket.IPPROTO_IP, IP_OPTIONS, b"\x94\x04\x00\x00")
    r.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_TTL, 1)
    r.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_IF, a(ifaddr))
    r.sendto(body, ("224.0.0.1", 0))
    r.close()


for step in sys.argv[2:]:
    f = step.split(":")
    name, op, args = f[0], f[1], f[2:]
    if op == "sleep":
        time.sleep(float(args[0]))
    elif op == "query":
        query(int(args[0]), int(args[1]) if len(args) > 1 else 10)
    elif op == "close":
        socks.pop(name).close()
    elif op in ("join", "leave"):
        opt = IP_ADD_MEMBERSHIP if op == "join" else IP_DROP_MEMBERSHIP
        sock(name).setsockopt(socket.IPPROTO_IP, opt, a(args[0]) + a(ifaddr))
    elif op in ("sjoin", "sdrop", "block", "unblock"):
        opt = {"sjoin": IP_ADD_SOURCE_MEMBERSHIP,
               "sdrop": IP_DROP_SOURCE_MEMBERSHIP,
               "block": IP_BLOCK_SOURCE,
               "unblock": IP_UNBLOCK_SOURCE}[op]
        # Linux struct ip_mreq_source: group, interface, source.
        sock(name).setsockopt(socket.IPPROTO_IP, opt,
                              a(args[0]) + a(ifaddr) + a(args[1]))
    elif op == "msfilter":
        srcs = [a(s) for s in args[2].split(",") if s]
        mode = 0 if args[1] == "exclude" else 1
        msf = a(args[0]) + a(ifaddr) + struct.pack("=II", mode, len(srcs))
        msf += b"".join(srcs) if srcs else b"\0" * 4
        sock(name).setsockopt(socket.IPPROTO_IP, IP_MSFILTER, msf)
    else:
        sys.exit("igmphost.py: unknown step " + step)
