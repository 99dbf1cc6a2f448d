"""A TLS front for a local plain-HTTP server (sydent), for tests.

Synapse always talks to identity servers over https (`https://<id_server>/...`), while
sydent only serves plain HTTP to clients. This proxy listens on 127.0.0.1:PORT with a
self-signed certificate (for 127.0.0.1 and localhost; Synapse's test config accepts
it with `use_insecure_ssl_client_just_for_testing_do_not_use`, Rust tests trust it
explicitly) and pipes every connection, bytes unchanged, to 127.0.0.1:BACKEND.

One request is answered here instead: `GET /_matrix/identity/api/v1/info`, an endpoint
of Tchap's identity server (upstream sydent has none) that says which homeserver an
email belongs to. Tchap's Synapse module (synapse-room-access-rules) asks it before an
email invite into a "restricted" room, and refuses the invite if it fails. With one test
homeserver, every address belongs to it: the answer is {"hs": HS} (default localhost).
Usage: tls_proxy.py PORT BACKEND_PORT CERT KEY [HS]  (foreground; SIGTERM stops it)
"""

import asyncio
import json
import signal
import ssl
import sys


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, ssl.SSLError, RuntimeError):
            pass


async def answer_info(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, hs: str):
    # Skip the headers (a GET has no body), answer, and close: the connection is never
    # handed to sydent afterwards, so a kept-alive client cannot reach it half-read.
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        pass
    body = json.dumps({"hs": hs}).encode()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    writer.close()


def handler(backend: int, hs: str):
    async def handle(reader, writer):
        try:
            first = await reader.readline()
            if first.startswith(b"GET /_matrix/identity/api/v1/info"):
                await answer_info(reader, writer, hs)
                return
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", backend)
        except (OSError, ssl.SSLError):
            writer.close()
            return
        up_writer.write(first)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    return handle


async def main() -> None:
    port, backend, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    hs = sys.argv[5] if len(sys.argv) > 5 else "localhost"
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await asyncio.start_server(handler(backend, hs), "127.0.0.1", port, ssl=context)
    print(f"tls_proxy: https://127.0.0.1:{port} -> http://127.0.0.1:{backend}", flush=True)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: stop.done() or stop.set_result(None))
    async with server:
        await stop


if __name__ == "__main__":
    asyncio.run(main())
