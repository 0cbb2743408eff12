#!/usr/bin/env python3
"""A small HTTP/1.1 load client for the screens' tests (loopback only; python3's socket + asyncio).

Prints key=value lines. Commands:
  keepalive PORT N CONC PATH    N connections (CONC at a time), each one GET with Connection: keep-alive,
                                the answer read, then closed by us: status counts.
  burst PORT N PATH [ROUNDS]    N GETs at once (ROUNDS times): status counts, p50/p99/max in ms.
  slow PORT K SECONDS           K clients that send request headers one byte a second for up to SECONDS:
                                how many the server disconnected, and after how long (max).
  hold PORT N SECONDS           N connections opened and held silent for SECONDS: how many connected.
  bigpost PORT BYTES [chunked]  a POST of BYTES (Content-Length, or chunked) sent while watching for an
                                answer; stops sending when it comes: status, bytes sent.
  get PORT PATH                 one GET: status (000 if none).
"""
import asyncio
import socket
import sys
import time

HOST = "127.0.0.1"


def status_of(head: bytes) -> str:
    try:
        return head.split(b"\r\n", 1)[0].split()[1].decode()
    except Exception:
        return "000"


async def one_get(port, path, keepalive=True, timeout=30.0):
    t0 = time.monotonic()
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    except Exception:
        return "000", (time.monotonic() - t0) * 1000
    try:
        conn = "keep-alive" if keepalive else "close"
        w.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: {conn}\r\n\r\n".encode())
        await w.drain()
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), timeout)
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        if length:
            await asyncio.wait_for(r.readexactly(length), timeout)
        st = status_of(head)
    except Exception:
        st = "000"
    finally:
        w.close()  # we close, whatever the server said about keep-alive
        try:
            await w.wait_closed()
        except Exception:
            pass
    return st, (time.monotonic() - t0) * 1000


def counts(statuses):
    c = {}
    for s in statuses:
        c[s] = c.get(s, 0) + 1
    return " ".join(f"{k}:{v}" for k, v in sorted(c.items()))


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))] if v else 0


async def keepalive(port, n, conc, path):
    sem = asyncio.Semaphore(conc)
    out = []

    async def one():
        async with sem:
            out.append((await one_get(port, path, True))[0])

    await asyncio.gather(*(one() for _ in range(n)))
    print(f"statuses={counts(out)}")
    print(f"ok={out.count('200')}")


async def burst(port, n, path, rounds):
    statuses, ms = [], []
    for _ in range(rounds):
        res = await asyncio.gather(*(one_get(port, path, True) for _ in range(n)))
        statuses += [s for s, _ in res]
        ms += [m for _, m in res]
    print(f"statuses={counts(statuses)}")
    print(f"ok={statuses.count('200')}")
    print(f"p50_ms={pct(ms, 50):.1f} p99_ms={pct(ms, 99):.1f} max_ms={max(ms):.1f}")


async def slow(port, k, seconds):
    async def one():
        t0 = time.monotonic()
        try:
            r, w = await asyncio.open_connection(HOST, port)
        except Exception:
            return False, 0.0
        req = f"GET /style.css HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Slow: " + "a" * 1000
        closed = False
        for ch in req:
            if time.monotonic() - t0 > seconds:
                break
            try:
                w.write(ch.encode())
                await w.drain()
                # The server closing shows as EOF (or a reset) on read.
                data = await asyncio.wait_for(r.read(1024), 1.0)
                if data == b"" or data:
                    closed = True
                    break
            except asyncio.TimeoutError:
                continue
            except Exception:
                closed = True
                break
        w.close()
        return closed, time.monotonic() - t0

    res = await asyncio.gather(*(one() for _ in range(k)))
    print(f"disconnected={sum(1 for c, _ in res if c)}")
    print(f"max_s={max(t for _, t in res):.1f}")


async def hold(port, n, seconds):
    async def one():
        try:
            return await asyncio.wait_for(asyncio.open_connection(HOST, port), 2)
        except Exception:
            return None

    conns = [c for c in await asyncio.gather(*(one() for _ in range(n))) if c]
    print(f"connected={len(conns)}", flush=True)
    await asyncio.sleep(seconds)
    for _, w in conns:
        w.close()


def bigpost(port, size, chunked):
    s = socket.create_connection((HOST, port))
    te = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    s.sendall(f"POST /api/login HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n{te}\r\n\r\n".encode())
    s.setblocking(False)
    block = b"x" * 65536
    sent, answer = 0, b""
    deadline = time.monotonic() + 120
    while sent < size and time.monotonic() < deadline:
        try:
            answer += s.recv(65536)
            if answer:
                break
        except BlockingIOError:
            pass
        except OSError:
            break
        n = min(len(block), size - sent)
        data = (f"{n:x}\r\n".encode() + block[:n] + b"\r\n") if chunked else block[:n]
        try:
            s.send(data)  # partial sends only lose body bytes: nobody checks them
            sent += n
        except BlockingIOError:
            time.sleep(0.001)
        except OSError:
            break
    s.setblocking(True)
    s.settimeout(10)
    try:
        while b"\r\n\r\n" not in answer:
            more = s.recv(65536)
            if not more:
                break
            answer += more
    except OSError:
        pass
    s.close()
    print(f"status={status_of(answer)}")
    print(f"sent={sent}")


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    a = sys.argv[3:]
    if cmd == "keepalive":
        asyncio.run(keepalive(port, int(a[0]), int(a[1]), a[2]))
    elif cmd == "burst":
        asyncio.run(burst(port, int(a[0]), a[1], int(a[2]) if len(a) > 2 else 1))
    elif cmd == "slow":
        asyncio.run(slow(port, int(a[0]), float(a[1])))
    elif cmd == "hold":
        asyncio.run(hold(port, int(a[0]), float(a[1])))
    elif cmd == "bigpost":
        bigpost(port, int(a[0]), len(a) > 1 and a[1] == "chunked")
    elif cmd == "get":
        st, ms = asyncio.run(one_get(port, a[0], False))
        print(f"status={st}")
        print(f"ms={ms:.1f}")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
