# The echo server, version 8: it serves one client after another.
# A client that sends "quit" stops it (the lesson's way to end it;
# a real server runs until you press Ctrl+C).
#   python3 server_v8.py 127.0.0.1:0
import socket
import sys

host, port = sys.argv[1].rsplit(":", 1)
BUF_SIZE = 1024

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((host, int(port)))
print("listening on", s.getsockname(), flush=True)
s.listen(5)

running = True
while running:
    k, addr = s.accept()
    print("connection from", addr, flush=True)
    while True:
        data = k.recv(BUF_SIZE)
        if not data:
            break
        if data == b"quit":
            running = False
        k.send(data)
    k.close
s.close()
