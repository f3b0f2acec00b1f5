"""The closed loop both Python peers are measured with: threads that call as fast as answers come back."""
import threading
import time


def run(thread_call, concurrency, duration_ms):
    """Runs `concurrency` threads for `duration_ms`, each calling what `thread_call()` gave it, back to back.

    Returns requests, errors, seconds, perSecond, p50Ms, p99Ms and firstError, as the bench's load runner does.
    """
    latencies, errors, lock = [], [], threading.Lock()
    started = time.perf_counter()
    deadline = started + duration_ms / 1000

    def worker():
        call = thread_call()
        local, failures = [], []
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

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
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
