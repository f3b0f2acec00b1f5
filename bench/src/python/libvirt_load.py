"""The libvirt connector's calls made through libvirt-python (Debian's python3-libvirt, the C binding), the way its
users make them: one connection shared by every thread (the binding releases the GIL in each call), the same
remote procedures the hvc connector sends, and the domain XML parsed into the same fields.

Argument: one JSON object with uri, mode ("getGuest", "listGuests" or "eventDelay"), uuids, concurrency,
durationMs, warmupMs, runs; for eventDelay, uuid and samples.
Prints, for the load modes, a JSON array with one object per run: requests, errors, seconds, perSecond, p50Ms, p99Ms,
firstError; for eventDelay, {"delaysMs": [...]}: per suspend or resume, from the lifecycle event's callback to the
state read that confirms it.
"""
import json
import queue
import sys
import threading
import time
import xml.etree.ElementTree as ET

import libvirt
from closed_loop import run

args = json.loads(sys.argv[1])
HVC = "{urn:hvc:libvirt:1}"


def to_guest(dom, xml, state):
    """What the hvc connector reads from a domain: identity, vCPUs, memory, disks, tags, template, state."""
    root = ET.fromstring(xml)
    memory = root.find("memory")
    guest = root.find(f"metadata/{HVC}guest")
    return {
        "id": root.findtext("uuid"),
        "name": root.findtext("name"),
        "cpus": int(root.findtext("vcpu") or "1"),
        "memoryBytes": int(memory.text) * 1024 if memory is not None else 0,
        "disks": [d.get("file") for d in root.findall("devices/disk/source")],
        "tags": [t.text for t in guest.findall(f"{HVC}tags/{HVC}tag")] if guest is not None else [],
        "template": guest is not None and guest.find(f"{HVC}template") is not None,
        "state": state,
    }


def make_call(conn, domains):
    counter = {"i": 0}
    lock = threading.Lock()

    def get_guest():
        with lock:
            dom = domains[counter["i"] % len(domains)]
            counter["i"] += 1
        # The connector's two reads, one after the other (the binding is synchronous): XML and state.
        return to_guest(dom, dom.XMLDesc(0), dom.state()[0])

    def list_guests():
        # The connector's listing: one bulk stats call for every domain and its state, then each one's XML.
        stats = conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE)
        return [to_guest(dom, dom.XMLDesc(0), st.get("state.state")) for dom, st in stats]

    return get_guest if args["mode"] == "getGuest" else list_guests


def event_delay():
    libvirt.virEventRegisterDefaultImpl()
    conn = libvirt.open(args["uri"])
    dom = conn.lookupByUUIDString(args["uuid"])
    seen = queue.Queue()

    def on_lifecycle(_conn, event_dom, event, _detail, _opaque):
        if event_dom.UUIDString() == args["uuid"]:
            seen.put((event, time.perf_counter()))

    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)

    def loop():
        while True:
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=loop, daemon=True).start()
    delays = []
    for i in range(args["samples"]):
        wanted, expected_state = (
            (libvirt.VIR_DOMAIN_EVENT_SUSPENDED, libvirt.VIR_DOMAIN_PAUSED)
            if i % 2 == 0
            else (libvirt.VIR_DOMAIN_EVENT_RESUMED, libvirt.VIR_DOMAIN_RUNNING)
        )
        if i % 2 == 0:
            dom.suspend()
        else:
            dom.resume()
        while True:
            event, at = seen.get(timeout=30)
            if event == wanted:
                break
        if dom.state()[0] != expected_state:
            raise RuntimeError("the event came before the state it announces")
        delays.append((time.perf_counter() - at) * 1000)
    if dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED:
        dom.resume()
    print(json.dumps({"delaysMs": delays}))


if args["mode"] == "eventDelay":
    event_delay()
else:
    conn = libvirt.open(args["uri"])
    domains = [conn.lookupByUUIDString(uuid) for uuid in args["uuids"]]
    # One connection shared by every thread.
    call = make_call(conn, domains)
    run(lambda: call, args["concurrency"], args["warmupMs"])
    print(json.dumps([run(lambda: call, args["concurrency"], args["durationMs"]) for _ in range(args["runs"])]))
