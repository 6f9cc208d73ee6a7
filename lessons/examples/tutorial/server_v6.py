# The echo server, version 6: the whole loop body is indented now,
# so each piece is echoed as soon as it arrives.
#   python3 server_v6.py 127.0.0.1:0
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
