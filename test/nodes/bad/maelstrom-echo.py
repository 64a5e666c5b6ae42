#!/usr/bin/env python3
"""A plain Maelstrom echo node, written without parley's client library: it runs unchanged under
Maelstrom. Unknown body types (parley/sync among them) get Maelstrom's error 10, not supported,
which is how parley keeps it in lockstep."""
import json
import sys

node_id = None
next_id = 0


def reply(msg, body):
    global next_id
    next_id += 1
    body['msg_id'] = next_id
    body['in_reply_to'] = msg['body']['msg_id']
    sys.stdout.write(json.dumps({'src': node_id, 'dest': msg['src'], 'body': body}) + '\n')
    sys.stdout.flush()


for line in sys.stdin:
    msg = json.loads(line)
    body = msg['body']
    if body['type'] == 'init':
        node_id = body['node_id']
        reply(msg, {'type': 'init_ok'})
    elif body['type'] == 'echo':
        reply(msg, {'type': 'echo_ok', 'echo': body['echo']})
    elif 'msg_id' in body:
        reply(msg, {'type': 'error', 'code': 10, 'text': 'not supported: %s' % body['type']})
