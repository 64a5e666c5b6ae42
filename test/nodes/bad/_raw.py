"""The few lines every misbehaving node shares: read lines, answer init and parley/sync, and
call misbehave(msg) on the first other message. No client library, on purpose: the faults are
written by hand."""
import json
import sys


def write(obj):
    sys.stdout.write(json.dumps(obj, separators=(',', ':')) + '\n')
    sys.stdout.flush()


def serve(misbehave, behave=None):
    me = None
    first = True
    for line in iter(sys.stdin.readline, ''):
        if not line.strip():
            continue
        msg = json.loads(line)
        body = msg['body']
        if body['type'] == 'init':
            me = body['node_id']
            write({'src': me, 'dest': msg['src'], 'body': {'type': 'init_ok', 'in_reply_to': body['msg_id']}})
        elif body['type'] == 'parley/sync':
            write({'src': me, 'dest': msg['src'], 'body': {'type': 'parley/sync_ok', 'in_reply_to': body['msg_id']}})
        elif first:
            first = False
            misbehave(me, msg)
        elif behave is not None:
            behave(me, msg)
