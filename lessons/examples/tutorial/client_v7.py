# The echo client, version 7: it prints what came back.
#   python3 client_v7.py HOST:PORT [MESSAGE...]
import socket
import sys

host, port = sys.argv[1].rsplit(":", 1)
message = " ".join(sys.argv[2:]) or "Hello karl"
BUF_SIZE = 30

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, int(port)))
s.send(message.encode())
data = s.recv(BUF_SIZE)
print("received:", data.decode())
s.close()
