# The echo server, version 1: written the way the tutorial writes it.
# Run it and read what Python says.
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
