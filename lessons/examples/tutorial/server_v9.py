# The echo server, version 9: k.close() is called now, with its parentheses.
#   python3 server_v9.py 127.0.0.1:0
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
    k.close()
s.close()
