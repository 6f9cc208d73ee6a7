# The echo server, version 2: the indentation half fixed.
# The `if` and its `break` are inside the loop now; `k.send(data)` is not.
import socket

HOST = "127.0.0.1"
PORT = 60
BUF_SIZE = 1024

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((HOST, PORT))
s.listen(1)

k, addr = s.accept()
print("connection from", addr, flush=True)
while True:
    data = k.recv(BUF_SIZE)
    if not data:
        break
k.send(data)
k.close
