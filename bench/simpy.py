"""The relay workload of bench/engine.ts, written as a SimPy user would.

N agents, each a process waiting on its own simpy.Store inbox; each starts
`tokens` tokens (sent to a peer other than itself, chosen uniformly from its
own seeded random.Random). An agent that receives a token forwards it the
same way, with one more hop; every message in flight is a process of its own
that waits its latency (uniform 1 to 5 whole ticks, from the sender's link
stream) with env.timeout, then puts the message in the target's inbox. The
run stops after `events` deliveries (messages taken from inboxes).

    python3 bench/simpy.py AGENTS [EVENTS] [REPEATS]

prints JSON

prints JSON: agents, events (deliveries per run), the median events per
second over REPEATS timed runs after a short untimed one, and the simpy version.
Each run's time includes building the environment and starting the agents,
as parley's runs include theirs.
"""

import json
import os
import random
import statistics
import sys
import time

# This file is named simpy.py: its folder must not shadow the library.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
import simpy  # noqa: E402

LATENCY_MIN = 1
LATENCY_MAX = 5


def run(agents: int, events_max: int, seed: int, tokens: int = 1) -> int:
    env = simpy.Environment()
    inboxes = [simpy.Store(env) for _ in range(agents)]
    streams = [random.Random(f"{seed}/agent/{i}") for i in range(agents)]
    links = [random.Random(f"{seed}/net/{i}") for i in range(agents)]
    done = env.event()
    delivered = 0

    def transit(target: int, hops: int, latency: int):
        yield env.timeout(latency)
        yield inboxes[target].put(hops)

    def send(source: int, hops: int) -> None:
        target = streams[source].randint(0, agents - 2)
        if target >= source:
            target += 1
        latency = links[source].randint(LATENCY_MIN, LATENCY_MAX)
        env.process(transit(target, hops, latency))

    def agent(me: int):
        nonlocal delivered
        for _ in range(tokens):
            send(me, 0)
        inbox = inboxes[me]
        while True:
            hops = yield inbox.get()
            delivered += 1
            if delivered >= events_max:
                if not done.triggered:
                    done.succeed()
                return
            send(me, hops + 1)

    for i in range(agents):
        env.process(agent(i))
    env.run(until=done)
    return delivered


def main() -> None:
    agents = int(sys.argv[1])
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    run(agents, events // 10, 0)  # no JIT to warm: a short run loads the code
    rates = []
    for r in range(repeats):
        t0 = time.perf_counter()
        n = run(agents, events, 1 + r)
        rates.append(n / (time.perf_counter() - t0))
    print(
        json.dumps(
            {
                "agents": agents,
                "events": events,
                "eventsPerSecond": statistics.median(rates),
                "simpy": getattr(simpy, "__version__", "unknown"),
            }
        )
    )


if __name__ == "__main__":
    main()
