"""Sends exactly N `POST /add` requests over C keep-alive connections, one thread per connection, so requests
overlap as they do under wrk (the server finds several ready at once). For bench/http_instructions.sh, which
needs a fixed number of requests, not a fixed duration: the rate does not matter, since the server runs under
callgrind and is by far the slower side.

    python3 bench/http_client.py HOST PORT N C
"""

import http.client
import sys
import threading

BODY = b'{"a": 1.5, "b": 2.25}'
EXPECTED = b'{"result":3.75}'


def send(host, port, count, failures):
    connection = http.client.HTTPConnection(host, port, timeout=600)
    for _ in range(count):
        connection.request("POST", "/add", body=BODY, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200 or body != EXPECTED:
            failures.append(f"{response.status} {body!r}")


def main():
    host, port, total, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    failures = []
    share, extra = divmod(total, connections)
    threads = [
        threading.Thread(target=send, args=(host, port, share + (1 if i < extra else 0), failures))
        for i in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"{len(failures)} of {total} requests failed, e.g. {failures[0]}")


if __name__ == "__main__":
    main()
