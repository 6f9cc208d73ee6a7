# The echo server, version 3: the address comes from the command line.
#   python3 server_v3.py 127.0.0.1:0     (port 0: the kernel picks a free port)
import socket
import sys

host, port = sys.argv[1].rsplit(":", 1)
BUF_SIZE = 1024

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((host, int(port)))
print("listening on", s.getsockname(), flush=True)
s.listen(1)

k, addr = s.accept()
print("connection from", addr, flush=True)
while True:
    data = k.recv(BUF_SIZE)
    if not data:
        break
k.send(data)
k.close
