"""Closed-loop load of one call through proxmoxer, the way its users call it.

Argument: one JSON object with host, port, caFile, user, tokenName, tokenValue, call ("getGuest" or
"listGuests"), guests ([[node, type, vmid], ...]), concurrency, durationMs, warmupMs, runs.
Prints a JSON array with one object per run: requests, errors, seconds, perSecond, p50Ms, p99Ms, firstError.
"""
import json
import sys

from closed_loop import run
from proxmoxer import ProxmoxAPI

args = json.loads(sys.argv[1])


def new_client():
    return ProxmoxAPI(
        args["host"],
        port=args["port"],
        user=args["user"],
        token_name=args["tokenName"],
        token_value=args["tokenValue"],
        verify_ssl=args["caFile"],
        timeout=60,
    )


def make_call(prox):
    guests = args["guests"]
    counter = {"i": 0}

    def get_guest():
        node, kind, vmid = guests[counter["i"] % len(guests)]
        counter["i"] += 1
        guest = prox.nodes(node).qemu(vmid) if kind == "qemu" else prox.nodes(node).lxc(vmid)
        # The same two reads as the other clients: status and pending config (one after the other: the client is sync).
        return guest.status.current.get(), guest.pending.get()

    def list_guests():
        return prox.cluster.resources.get(type="vm")

    return get_guest if args["call"] == "getGuest" else list_guests


# One client per thread, as proxmoxer's users share none between threads.
run(lambda: make_call(new_client()), args["concurrency"], args["warmupMs"])
print(json.dumps([run(lambda: make_call(new_client()), args["concurrency"], args["durationMs"]) for _ in range(args["runs"])]))
