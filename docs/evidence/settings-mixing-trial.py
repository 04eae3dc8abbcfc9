import warnings; warnings.simplefilter('ignore')
from celery import Celery
def trial(label, fn):
    app = Celery('x')
    try:
        fn(app); c = app.conf; c.task_serializer
        print(label, 'OK', 'concurrency=', c.worker_concurrency, 'eager=', c.task_always_eager, 'retry_on_startup=', c.broker_connection_retry_on_startup)
    except Exception as e:
        print(label, type(e).__name__, str(e).replace('\n',' | ')[:200])
trial('update-mixed', lambda a: a.conf.update(task_serializer='json', result_serializer='json', CELERYD_CONCURRENCY=3))
trial('update-old-majority', lambda a: a.conf.update(CELERY_TASK_SERIALIZER='json', CELERY_RESULT_SERIALIZER='json', worker_concurrency=3))
trial('attr-mixed', lambda a: (setattr(a.conf,'task_serializer','json'), setattr(a.conf,'CELERYD_CONCURRENCY',3)))
trial('module-lower+update-old', lambda a: (a.config_from_object('cfg_lower'), a.conf.update(CELERYD_CONCURRENCY=3)))
trial('update-old+module-lower', lambda a: (a.conf.update(CELERYD_CONCURRENCY=3), a.config_from_object('cfg_lower')))
trial('module-mixed', lambda a: a.config_from_object('cfg_mixed'))
trial('update-all-old', lambda a: a.conf.update(CELERYD_CONCURRENCY=3, CELERY_ALWAYS_EAGER=True))
trial('update-doc-only', lambda a: a.conf.update(task_serializer='json', CELERY_TASK_ALWAYS_EAGER=True))
trial('lower-unknown', lambda a: a.conf.update(task_serializer='json', worker_concurency=5))
