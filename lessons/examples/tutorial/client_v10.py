# The echo client, version 10: it works.
#   python3 client_v10.py HOST:PORT [MESSAGE...]
# TCP is a stream: one recv() may return only part of the echo, so the
# client reads until it has as many bytes as it sent.
import socket
import sys

host, port = sys.argv[1].rsplit(":", 1)
message = (" ".join(sys.argv[2:]) or "Hello karl").encode()
BUF_SIZE = 30

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, int(port)))
s.sendall(message)
reply = b""
while len(reply) < len(message):
    data = s.recv(BUF_SIZE)
    if not data:                      # the server closed early
        break
    reply += data
print("received:", reply.decode())
s.close()
