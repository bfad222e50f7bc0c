"""moto_server with S3's atomic conditional writes.

moto checks `If-Match` / `If-None-Match` and then writes, without a lock, on a threaded server:
two compare-and-swap PUTs racing on one key can both succeed, which real S3 (and MinIO) never
allows. The registry relies on that guarantee, so the tests' server serialises conditional PUTs
(check and write together) and leaves every other request concurrent.

Usage: python moto_atomic.py [moto_server arguments]
"""

import threading

import moto.server

_lock = threading.Lock()


def _atomic_conditional_writes(app):
    def wrapped(environ, start_response):
        conditional = environ.get('REQUEST_METHOD') == 'PUT' and (
            'HTTP_IF_MATCH' in environ or 'HTTP_IF_NONE_MATCH' in environ)
        if not conditional:
            return app(environ, start_response)
        with _lock:
            # The body is produced inside the lock, so the check and the write happen together.
            return list(app(environ, start_response))
    return wrapped


_run_simple = moto.server.run_simple


def run_simple(host, port, application, **kwargs):
    _run_simple(host, port, _atomic_conditional_writes(application), **kwargs)


moto.server.run_simple = run_simple

if __name__ == '__main__':
    moto.server.main()
