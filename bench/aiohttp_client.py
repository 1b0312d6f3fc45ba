"""The write-up's aiohttp client, the Python peer for `deno task bench`.

As in "Making 1 million requests with python-aiohttp": one ClientSession, one task per request
created up front, an asyncio.Semaphore(C) around each request, and every body read whole. Two
changes so it measures the same job as the other peers: it prints one JSON summary instead of a
line per response, and its connector allows C connections (aiohttp's default is 100, which would
cap C=1000 at 100).

python3 bench/aiohttp_client.py URL_TEMPLATE COUNT CONCURRENCY
prints {"count":N,"failed":F,"seconds":S,"requestsPerSecond":R}; `{}` becomes the index.
"""

import asyncio
import json
import sys
import time

from aiohttp import ClientSession, TCPConnector


async def fetch(url, session):
    async with session.get(url) as response:
        await response.read()
        return response.status


async def bound_fetch(sem, url, session):
    async with sem:
        return await fetch(url, session)


async def run(template, count, concurrency):
    tasks = []
    sem = asyncio.Semaphore(concurrency)
    async with ClientSession(connector=TCPConnector(limit=concurrency)) as session:
        for i in range(count):
            task = asyncio.ensure_future(bound_fetch(sem, template.format(i), session))
            tasks.append(task)
        statuses = await asyncio.gather(*tasks)
    return sum(1 for status in statuses if not 200 <= status <= 299)


def main():
    if len(sys.argv) != 4:
        print("usage: aiohttp_client.py URL_TEMPLATE COUNT CONCURRENCY", file=sys.stderr)
        sys.exit(2)
    template, count, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    started = time.perf_counter()
    failed = asyncio.run(run(template, count, concurrency))
    seconds = time.perf_counter() - started
    print(json.dumps({
        "count": count,
        "failed": failed,
        "seconds": seconds,
        "requestsPerSecond": round(count / seconds),
    }))


if __name__ == "__main__":
    main()
