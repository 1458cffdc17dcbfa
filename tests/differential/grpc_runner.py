"""Runs a real gRPC client (a grpc-go probe binary, or grpcio) for each (env, target) inside
network and mount namespaces of its own: loopback only, /etc/hosts replaced by HOSTS below, and
recording CONNECT proxies on 127.0.0.1. No packet can leave the namespace.

    unshare -n -m python grpc_runner.py CLIENT [--serve] < cases.json
CLIENT is a probe binary path or "grpcio". Prints one JSON line per (case, target): the proxy
port that received a CONNECT and its authority, or DIRECT, and the probe's final state. With
--serve, 10.244.3.4 (fn.crossplane-system) is added to the loopback device and a real gRPC
server listens there, so a direct connection becomes READY.
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


class Recorder(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data = self.request.recv(4096).decode("latin-1")
        authority = data.split(" ")[1] if data.startswith("CONNECT ") else data[:40]
        seen.append((self.server.server_address[1], authority))
        self.request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")


def main() -> None:
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
            cmd = [client, target]
            if client == "grpcio":
                cmd = [sys.executable, "-c", GRPCIO, target]
            done = subprocess.run(
                cmd, env={**base, **case["env"]}, capture_output=True, text=True, timeout=30
            )
            time.sleep(0.02)
            via = f"127.0.0.1:{seen[0][0]}" if seen else "DIRECT"
            state = done.stdout.split()[-1] if done.stdout.startswith("DONE") else None
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


GRPCIO = """
import sys, threading, grpc
done = threading.Event()
def seen(state):
    if state in (grpc.ChannelConnectivity.READY, grpc.ChannelConnectivity.TRANSIENT_FAILURE):
        print("DONE", sys.argv[1], state.name, flush=True)
        done.set()
channel = grpc.insecure_channel(sys.argv[1])
channel.subscribe(seen, try_to_connect=True)
done.wait(1.5)
channel.close()
"""

if __name__ == "__main__":
    main()
