#!/usr/bin/env python3
"""Agreement of paxos.py over many seeds, in one process, without parley's engine.

    python3 test/nodes/paxos-stress.py [SEEDS] [--hostile]

Loads paxos.py once per node (each its own module namespace, its output captured instead of
written), and drives 3 and 5 nodes per seed through a seeded adversarial network: messages
delivered in random order, lost, duplicated at once or later, a partition for a while, and
proposers that start and retry on the same ticks. Each run asserts agreement (no two nodes
decide differently), integrity (each decides at most once) and validity (the value was
proposed); it counts the runs where every node decided. --hostile also fires timers while
messages are still in flight (messages slower than the retry timers): safety must hold, and
liveness is not expected. Exit code 1 on the first violation.
"""
import json
import os
import random
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'clients', 'python'))
import parley_node  # noqa: E402

PAXOS = os.path.join(HERE, 'paxos.py')
SOURCE = compile(open(PAXOS).read(), PAXOS, 'exec')
parley_node.Node.run = lambda self: None  # the stress calls handle() itself


def load(out):
    ns = {'__file__': PAXOS, '__name__': 'paxos'}
    exec(SOURCE, ns)
    node = ns['node']
    node._write = lambda dest, body: out.append((dest, json.loads(json.dumps(body))))
    return node


def run(seed, n, hostile):
    r = random.Random(seed * 1000 + n)
    ids = ['n%d' % (i + 1) for i in range(n)]
    outs = {i: [] for i in ids}
    nodes = {i: load(outs[i]) for i in ids}
    params = r.choice([{}, {'startTicks': 1, 'retryTicks': 1}, {'startTicks': 3, 'retryTicks': 2}])
    loss = r.choice([0, 0.1, 0.3, 0.5])
    dup = r.choice([0, 0.2, 0.5])
    partition_until = r.choice([0, 20, 60])
    side = set(r.sample(ids, r.randint(1, n - 1)))
    early = 0.2 if hostile else 0.03
    timers = {i: {} for i in ids}
    decisions = {i: [] for i in ids}
    proposals = []
    net = []
    now = 0

    def take(i):
        for dest, body in outs[i]:
            kind = body['type']
            if dest != 'parley':
                net.append({'src': i, 'dest': dest, 'body': body})
            elif kind == 'parley/set_timer':
                timers[i][body['name']] = now + body['ticks']
            elif kind == 'parley/cancel_timer':
                timers[i].pop(body['name'], None)
            elif kind == 'parley/decide':
                decisions[i].append(body['value'])
            elif kind == 'parley/propose':
                proposals.append(body['value'])
        outs[i].clear()

    for k, i in enumerate(ids):
        parley = {'seed': seed * 31 + k, 'tick': 0, 'zone': 'default', 'capabilities': [],
                  'budget': None, 'params': params}
        nodes[i].handle({'src': 'parley', 'dest': i, 'body': {
            'type': 'init', 'msg_id': 1, 'node_id': i, 'node_ids': ids + ['c1'], 'parley': parley}})
        take(i)
    for _ in range(20000):
        if all(decisions.values()):
            break
        if net and r.random() >= early:
            m = net.pop(r.randrange(len(net)))
            if now < partition_until and (m['src'] in side) != (m['dest'] in side):
                continue
            if r.random() < loss:
                continue
            for _ in range(2 if r.random() < dup else 1):
                nodes[m['dest']].handle(m)
                take(m['dest'])
            if r.random() < dup * 0.2 and len(net) < 50:
                net.append(m)  # and once more, later
            continue
        due = [(t, i, name) for i in ids for name, t in timers[i].items()]
        if not due:
            if net:
                continue
            break
        t, i, name = min(due)
        now = max(now, t)
        del timers[i][name]
        nodes[i].handle({'src': 'parley', 'dest': i, 'body': {'type': 'parley/timer', 'name': name}})
        take(i)
    chosen = [v for d in decisions.values() for v in d]
    where = 'seed %d, %d nodes: %r' % (seed, n, decisions)
    assert all(len(d) <= 1 for d in decisions.values()), 'decided twice: ' + where
    assert len({json.dumps(v) for v in chosen}) <= 1, 'disagreement: ' + where
    assert all(v in proposals for v in chosen), 'not proposed: ' + where
    return all(len(d) == 1 for d in decisions.values())


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    seeds = int(args[0]) if args else 200
    hostile = '--hostile' in sys.argv
    runs = done = 0
    for seed in range(1, seeds + 1):
        for n in (3, 5):
            try:
                done += run(seed, n, hostile)
            except AssertionError as err:
                print('paxos-stress: %s' % err)
                sys.exit(1)
            runs += 1
    print('paxos-stress: agreement in %d of %d runs; every node decided in %d' % (runs, runs, done))


main()
