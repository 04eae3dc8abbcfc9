"""What a Celery release declares on RabbitMQ, read from the installed Celery/kombu without a broker.

Prints one JSON object: the worker's remote-control (pidbox) and reply queue flags (JC320), the arguments Celery
gives a quorum queue under task_queue_max_priority (JC121), the quorum-detection default and the default exchange
type (JC321, JC620, JC621), and kombu's qos_semantics_matches_spec for RabbitMQ server versions (JC321).
"""
import json

import celery
import kombu
from celery import Celery
from kombu import Queue
from kombu.transport.pyamqp import Transport

out = {'celery': celery.__version__, 'kombu': kombu.__version__}
app = Celery('probe', broker='amqp://guest@127.0.0.1:1//')
mailbox = app.control.mailbox
for name, q in (('pidbox', mailbox.get_queue('w1@host')), ('reply', mailbox.reply_queue)):
    out[name] = {'durable': bool(q.durable), 'exclusive': bool(q.exclusive), 'auto_delete': bool(q.auto_delete)}
durable = Celery('durable', broker='amqp://guest@127.0.0.1:1//')
durable.conf.control_queue_durable = True
durable.conf.control_queue_exclusive = False
q = durable.control.mailbox.get_queue('w1@host')
out['pidbox_with_control_queue_durable'] = {'durable': bool(q.durable), 'exclusive': bool(q.exclusive)}
out['detect_quorum_queues'] = app.conf.get('worker_detect_quorum_queues')
out['default_exchange_type'] = app.conf.task_default_exchange_type

prio = Celery('prio', broker='amqp://guest@127.0.0.1:1//')
prio.conf.task_queue_max_priority = 10
prio.conf.task_queues = [Queue('q', queue_arguments={'x-queue-type': 'quorum'})]
out['quorum_args_with_max_priority'] = dict(prio.amqp.queues)['q'].queue_arguments


class Conn:
    def __init__(self, version):
        self.server_properties = {'product': 'RabbitMQ', 'version': version}


transport = Transport.__new__(Transport)
out['qos_semantics_matches_spec'] = {v: transport.qos_semantics_matches_spec(Conn(v)) for v in ('3.13.7', '4.1.0', '4.3.0')}
print(json.dumps(out))
