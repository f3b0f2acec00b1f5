"""Closed-loop load of one call through proxmoxer, the way its users call it.

Argument: one JSON object with host, port, caFile, user, tokenName, tokenValue, call ("getGuest" or
"listGuests"), guests ([[node, type, vmid], ...]), concurrency, durationMs, warmupMs, runs.
Prints a JSON array with one object per run: requests, errors, seconds, perSecond, p50Ms, p99Ms, firstError.
"""
import json
import sys
import threading
import time

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
        # The same two reads as the other clients: status and config (one after the other: the client is sync).
        return guest.status.current.get(), guest.config.get()

    def list_guests():
        return prox.cluster.resources.get(type="vm")

    return get_guest if args["call"] == "getGuest" else list_guests


def worker(deadline, latencies, errors, lock):
    call = make_call(new_client())
    local = []
    failures = []
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        try:
            call()
            local.append((time.perf_counter() - t0) * 1000)
        except Exception as error:  # a failing peer is reported, not hidden
            failures.append(f"{type(error).__name__}: {error}")
            if len(failures) >= 100:
                break
    with lock:
        latencies.extend(local)
        errors.extend(failures)


def run(duration_ms):
    latencies, errors, lock = [], [], threading.Lock()
    started = time.perf_counter()
    deadline = started + duration_ms / 1000
    threads = [
        threading.Thread(target=worker, args=(deadline, latencies, errors, lock))
        for _ in range(args["concurrency"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, max(0, -(-p * len(latencies) // 100) - 1))]

    return {
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": seconds,
        "perSecond": len(latencies) / seconds,
        "p50Ms": pct(50),
        "p99Ms": pct(99),
        "firstError": errors[0] if errors else None,
    }


run(args["warmupMs"])
print(json.dumps([run(args["durationMs"]) for _ in range(args["runs"])]))
