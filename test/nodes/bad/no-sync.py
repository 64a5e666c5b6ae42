#!/usr/bin/env python3
"""An echo node that ignores every message it does not know, parley/sync included: it never
answers a sync, so parley can run it only with sync: quiet."""
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


for line in iter(sys.stdin.readline, ''):
    msg = json.loads(line)
    body = msg['body']
    if body['type'] == 'init':
        node_id = body['node_id']
        reply(msg, {'type': 'init_ok'})
    elif body['type'] == 'echo':
        reply(msg, {'type': 'echo_ok', 'echo': body['echo']})
