"""Runs a real gRPC client (a grpc-go probe binary, or grpcio) for each (env, target) inside
network and mount namespaces of its own: loopback only, /etc/hosts replaced by HOSTS below, and
recording CONNECT proxies on 127.0.0.1. No packet can leave the namespace.

    unshare -n -m python grpc_runner.py CLIENT [--serve] < cases.json
CLIENT is a probe binary path or "grpcio". Prints one JSON line per (case, target): the proxy
port that received a CONNECT and its authority, or DIRECT, and the probe's final state. With
--serve, 10.244.3.4 (fn.crossplane-system) is added to the loopback device and a real gRPC
server listens there, so a direct connection becomes READY.

A probe binary runs once per (case, target). grpcio dials every (case, target) from this one
process (a Python start per dial cost ~0.4 s): C-core reads the proxy variables (grpc_proxy,
https_proxy, http_proxy, no_grpc_proxy, no_proxy) with getenv when a channel is created, so
os.environ is replaced by the case's environment just before each channel, and each channel
gets a subchannel pool of its own, so no connection or backoff state is shared between dials.
"""

import json
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

HOSTS = "127.0.0.1 localhost\n10.244.3.4 fn.crossplane-system\n10.96.0.1 kubernetes.default.svc\n"
PORTS = range(30011, 30018)
seen: list[tuple[int, str]] = []
closing: list[threading.Thread] = []


class Recorder(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data = self.request.recv(4096).decode("latin-1")
        authority = data.split(" ")[1] if data.startswith("CONNECT ") else data[:40]
        seen.append((self.server.server_address[1], authority))
        self.request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")


def grpcio_dial(target: str, env: dict[str, str]) -> str | None:
    """One grpcio channel to target with exactly env as the process environment; its state."""
    import grpc

    os.environ.clear()
    os.environ.update(env)  # putenv: C-core's getenv sees it when the channel is created
    done = threading.Event()
    states: list[str] = []

    def watch(state: grpc.ChannelConnectivity) -> None:
        if state in (grpc.ChannelConnectivity.READY, grpc.ChannelConnectivity.TRANSIENT_FAILURE):
            states.append(state.name)
            done.set()

    # A subchannel pool of its own: nothing shared with an earlier dial. A reconnect backoff far
    # longer than a close takes: a channel still closing cannot dial again.
    options = [("grpc.use_local_subchannel_pool", 1), ("grpc.initial_reconnect_backoff_ms", 60000)]
    channel = grpc.insecure_channel(target, options=options)
    channel.subscribe(watch, try_to_connect=True)
    done.wait(1.5)
    channel.unsubscribe(watch)
    # close() waits out grpcio's 0.2 s connectivity poll; let it do that in the background.
    closing.append(threading.Thread(target=channel.close))
    closing[-1].start()
    return states[-1] if states else None


def main() -> None:
    # Before grpc is imported (--serve imports it): C-core reads GRPC_DNS_RESOLVER once.
    os.environ["GRPC_DNS_RESOLVER"] = "native"
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    folder = tempfile.mkdtemp()
    with open(f"{folder}/hosts", "w") as hosts:
        hosts.write(HOSTS)
    with open(f"{folder}/resolv.conf", "w"):
        pass  # no name server: only the hosts file resolves
    subprocess.run(["mount", "--bind", f"{folder}/hosts", "/etc/hosts"], check=True)
    subprocess.run(["mount", "--bind", f"{folder}/resolv.conf", "/etc/resolv.conf"], check=True)
    if "--serve" in sys.argv:
        from concurrent import futures

        import grpc

        subprocess.run(["ip", "addr", "add", "10.244.3.4/32", "dev", "lo"], check=True)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        server.add_insecure_port("10.244.3.4:9443")
        server.start()
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    for port in PORTS:
        server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Recorder)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    client = sys.argv[1]  # --serve may follow
    base = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    base["GRPC_DNS_RESOLVER"] = "native"  # grpcio: use getaddrinfo, so /etc/hosts applies
    for index, case in enumerate(json.load(sys.stdin)):
        for target in case["targets"]:
            seen.clear()
            env = {**base, **case["env"]}
            if client == "grpcio":
                state = grpcio_dial(target, env)
            else:
                done = subprocess.run(
                    [client, target], env=env, capture_output=True, text=True, timeout=30
                )
                state = done.stdout.split()[-1] if done.stdout.startswith("DONE") else None
            time.sleep(0.02)
            via = f"127.0.0.1:{seen[0][0]}" if seen else "DIRECT"
            print(
                json.dumps(
                    {
                        "case": index,
                        "target": target,
                        "via": via,
                        "state": state,
                        "authority": seen[0][1] if seen else None,
                    }
                ),
                flush=True,
            )
    for thread in closing:
        thread.join()


if __name__ == "__main__":
    main()
